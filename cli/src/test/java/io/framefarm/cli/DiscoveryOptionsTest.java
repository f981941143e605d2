package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cluster Bootstrap options: {@code --discovery config} becomes bootstrap's settings; what cannot work (no Pekko
 * Management to be probed at, seed nodes beside it, a method without what it needs) stops the node with exit code
 * 2 and a reason, before any actor system starts.
 */
class DiscoveryOptionsTest {
  private static final String BOOTSTRAP = "pekko.management.cluster.bootstrap.";

  @TempDir
  Path work;

  @Test
  void configDiscoveryListsTheEndpointsAndTurnsBootstrapOn() {
    NodeOptions node = new NodeOptions();
    node.managementPort = 8558;
    node.discovery.method = "config";
    node.discovery.endpoints = List.of("10.0.0.1:8558", "10.0.0.2:8558");
    node.discovery.requiredContactPoints = 2;
    Config config = node.config(List.of("worker"), java.util.Map.of("framefarm.data-dir", work.toString()));

    assertThat(config.getBoolean("framefarm.cluster-bootstrap.enabled")).isTrue();
    assertThat(config.getStringList("pekko.cluster.seed-nodes")).isEmpty();
    assertThat(config.getString(BOOTSTRAP + "contact-point-discovery.discovery-method")).isEqualTo("config");
    assertThat(config.getString(BOOTSTRAP + "contact-point-discovery.service-name")).isEqualTo("framefarm");
    assertThat(config.getInt(BOOTSTRAP + "contact-point-discovery.required-contact-point-nr")).isEqualTo(2);
    List<String> endpoints = new ArrayList<>();
    config.getConfigList("pekko.discovery.config.services.framefarm.endpoints")
        .forEach(e -> endpoints.add(e.getString("host") + ":" + e.getInt("port")));
    assertThat(endpoints).containsExactly("10.0.0.1:8558", "10.0.0.2:8558");
  }

  @Test
  void withoutDiscoveryBootstrapStaysOff() {
    NodeOptions node = new NodeOptions();
    Config config = node.config(List.of("worker"), java.util.Map.of("framefarm.data-dir", work.toString()));
    assertThat(config.getBoolean("framefarm.cluster-bootstrap.enabled")).isFalse();
  }

  @Test
  void discoveryWithoutManagementIsRefused() {
    assertThat(refused("worker", "--discovery", "config", "--discovery-endpoints", "127.0.0.1:8558"))
        .contains("--discovery needs --management-port");
    assertThat(refused("coordinator", "--discovery", "kubernetes-api")).contains("--management-port");
  }

  @Test
  void discoveryBesideSeedNodesIsRefused() {
    assertThat(refused("worker", "--discovery", "config", "--discovery-endpoints", "127.0.0.1:8558",
        "--management-port", "8558", "--seed-nodes", "127.0.0.1:2551"))
        .contains("--discovery and --seed-nodes exclude each other");
  }

  @Test
  void anUnknownMethodOrAMethodWithoutWhatItNeedsIsRefused() {
    assertThat(refused("worker", "--discovery", "dns", "--management-port", "8558"))
        .contains("--discovery must be config or kubernetes-api, not 'dns'");
    assertThat(refused("worker", "--discovery", "config", "--management-port", "8558"))
        .contains("--discovery config needs --discovery-endpoints");
    assertThat(refused("worker", "--discovery", "config", "--management-port", "8558", "--discovery-endpoints",
        "127.0.0.1")).contains("discovery endpoint '127.0.0.1' is not HOST:PORT");
    assertThat(refused("worker", "--discovery", "config", "--management-port", "8558", "--discovery-endpoints",
        "127.0.0.1:8558", "--required-contact-points", "0")).contains("--required-contact-points must be at least 1");
    assertThat(refused("worker", "--seed-nodes", "127.0.0.1:2551", "--discovery-endpoints", "127.0.0.1:8558"))
        .contains("need --discovery");
  }

  /** Runs {@code farm ARGS...}, which must stop at once with exit code 2; returns what it said. */
  private String refused(String command, String... args) {
    List<String> line = new ArrayList<>(List.of(command, "--data-dir", work.resolve(command).toString()));
    line.addAll(List.of(args));
    StringWriter err = new StringWriter();
    int code = Farm.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        line.toArray(String[]::new));
    assertThat(code).as(err.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    return err.toString();
  }
}

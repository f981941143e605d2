package io.framefarm.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.framefarm.coordinator.JournalDatabase;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options every cluster node takes, turned into the HOCON that starts its actor system. */
final class NodeOptions {
  static final String SYSTEM_NAME = "farm";

  @Option(names = "--host", description = "Address other nodes reach this one at (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "Cluster port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port = 0;

  @Option(names = "--seed-nodes", split = ",", paramLabel = "HOST:PORT",
      description = "Seed nodes to join; empty (and no --discovery) means this node founds the cluster.")
  List<String> seedNodes = List.of();

  @Option(names = "--management-port", paramLabel = "PORT",
      description = "Serve Pekko Management on --host at this port (0 picks one): health checks GET /alive and "
          + "GET /ready (ready once the node is Up in the cluster), for systemd, containers and Kubernetes probes. "
          + "Off by default.")
  Integer managementPort;

  @Mixin
  DiscoveryOptions discovery = new DiscoveryOptions();

  @Mixin
  TlsOptions tls = new TlsOptions();

  /**
   * The embedded journal's settings. {@code WRITE_DELAY=0}: H2 writes a commit out before it returns
   * (by default up to 500 ms later), so a job answered 201 or a chunk journaled as done survives a
   * kill of the process; power loss is the operating system's business.
   */
  static final String H2_SETTINGS = ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";

  /** The node's configuration: command-line values over application.conf and the modules' defaults. */
  Config config(List<String> roles, Map<String, Object> overrides) {
    List<String> seeds = seedNodes.isEmpty() ? List.of(address(host + ":" + port)) : seedNodes.stream()
        .map(NodeOptions::address).toList();
    Config flags = ConfigFactory.empty()
        .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles));
    if (!seedNodes.isEmpty()) {
      flags = flags.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
    }
    if (managementPort != null) {
      flags = flags.withValue("framefarm.management.enabled", ConfigValueFactory.fromAnyRef(true))
          .withValue("pekko.management.http.hostname", ConfigValueFactory.fromAnyRef(host))
          .withValue("pekko.management.http.port", ConfigValueFactory.fromAnyRef(managementPort));
    }
    for (var e : overrides.entrySet()) {
      flags = flags.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
    }
    flags = flags.withFallback(discovery.config(!seedNodes.isEmpty(), managementPort != null))
        .withFallback(tls.config());
    Config config = flags.withFallback(ConfigFactory.load()).resolve();
    Config journal = config.getConfig("framefarm.journal");
    if (!journal.getString("url").isBlank()) {
      return JournalDatabase.pluginSettings(journal.getString("url"), journal.getString("user"),
          journal.getString("password")).withFallback(config);
    }
    // reference.conf is resolved on its own, so the journal URL cannot follow the data dir by substitution.
    String url = config.getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
    if (url.startsWith("jdbc:h2:") && !flags.hasPath("pekko-persistence-jdbc.shared-databases.slick.db.url")) {
      Path dataDir = absolute(Path.of(config.getString("framefarm.data-dir")));
      config = ConfigFactory.empty().withValue("pekko-persistence-jdbc.shared-databases.slick.db.url",
          ConfigValueFactory.fromAnyRef("jdbc:h2:file:" + dataDir.resolve("journal").resolve("farm")
              + H2_SETTINGS)).withFallback(config);
    }
    return config;
  }

  static String address(String hostPort) {
    String[] parts = hostPort.trim().split(":");
    if (parts.length != 2 || parts[0].isBlank() || !parts[1].chars().allMatch(Character::isDigit)
        || parts[1].isEmpty()) {
      throw new IllegalArgumentException("seed node '" + hostPort + "' is not HOST:PORT");
    }
    return "pekko://" + SYSTEM_NAME + "@" + parts[0] + ":" + parts[1];
  }

  static Path absolute(Path p) {
    return p.toAbsolutePath().normalize();
  }

  static String[] roles(String... roles) {
    return Arrays.copyOf(roles, roles.length);
  }
}

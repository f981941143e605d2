package io.framefarm.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Pekko Cluster Bootstrap instead of fixed seed nodes: the node finds the others through a discovery method and
 * asks their Pekko Management endpoints (contact points) whether a cluster exists; if none does, the node with the
 * lowest contact point founds it and the others join. So a node needs {@code --management-port}, and it never
 * joins itself on its own.
 */
final class DiscoveryOptions {
  static final String CONFIG = "config";
  static final String KUBERNETES_API = "kubernetes-api";
  private static final String BOOTSTRAP = "pekko.management.cluster.bootstrap.";

  @Option(names = "--discovery", paramLabel = "METHOD",
      description = "Form or join the cluster through Pekko Cluster Bootstrap instead of --seed-nodes: `config` "
          + "(the nodes' management endpoints listed in --discovery-endpoints) or `kubernetes-api` (pods labelled "
          + "app.kubernetes.io/name=SERVICE, their port named `management`). Needs --management-port.")
  String method;

  @Option(names = "--discovery-endpoints", split = ",", paramLabel = "HOST:PORT",
      description = "With --discovery config: every node's Pekko Management endpoint (its --host and "
          + "--management-port), this node's included.")
  List<String> endpoints = List.of();

  @Option(names = "--required-contact-points", paramLabel = "N",
      description = "With --discovery: how many nodes must be found before a new cluster is formed (default: 2).")
  Integer requiredContactPoints;

  @Option(names = "--discovery-service", paramLabel = "NAME",
      description = "With --discovery: the service the nodes are discovered as; for kubernetes-api, the pods' "
          + "app.kubernetes.io/name label (default: ${DEFAULT-VALUE}).")
  String service = "framefarm";

  boolean enabled() {
    return method != null;
  }

  /**
   * Bootstrap's settings, or nothing without {@code --discovery}. Refuses (IllegalArgumentException, exit code 2)
   * what cannot work: bootstrap beside seed nodes, without Pekko Management, or a method without what it needs.
   */
  Config config(boolean seedNodes, boolean management) {
    if (!enabled()) {
      if (!endpoints.isEmpty() || requiredContactPoints != null) {
        throw new IllegalArgumentException("--discovery-endpoints and --required-contact-points need --discovery");
      }
      return ConfigFactory.empty();
    }
    if (seedNodes) {
      throw new IllegalArgumentException("--discovery and --seed-nodes exclude each other: Cluster Bootstrap finds "
          + "the nodes to join itself");
    }
    if (!management) {
      throw new IllegalArgumentException("--discovery needs --management-port: Cluster Bootstrap asks the other "
          + "nodes' Pekko Management endpoints whether a cluster exists");
    }
    if (service.isBlank()) {
      throw new IllegalArgumentException("--discovery-service must not be empty");
    }
    if (requiredContactPoints != null && requiredContactPoints < 1) {
      throw new IllegalArgumentException("--required-contact-points must be at least 1, not " + requiredContactPoints);
    }
    Config config = switch (method) {
      case CONFIG -> configMethod();
      case KUBERNETES_API -> kubernetesMethod();
      default -> throw new IllegalArgumentException("--discovery must be " + CONFIG + " or " + KUBERNETES_API
          + ", not '" + method + "'");
    };
    config = config.withValue("framefarm.cluster-bootstrap.enabled", ConfigValueFactory.fromAnyRef(true))
        .withValue(BOOTSTRAP + "contact-point-discovery.discovery-method", ConfigValueFactory.fromAnyRef(method))
        .withValue(BOOTSTRAP + "contact-point-discovery.service-name", ConfigValueFactory.fromAnyRef(service));
    if (requiredContactPoints != null) {
      config = config.withValue(BOOTSTRAP + "contact-point-discovery.required-contact-point-nr",
          ConfigValueFactory.fromAnyRef(requiredContactPoints));
    }
    return config;
  }

  private Config configMethod() {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("--discovery config needs --discovery-endpoints HOST:PORT,... (every "
          + "node's management endpoint)");
    }
    List<Map<String, Object>> listed = endpoints.stream().map(DiscoveryOptions::endpoint).toList();
    return ConfigFactory.empty()
        .withValue("pekko.discovery.config.services." + service + ".endpoints",
            ConfigValueFactory.fromIterable(listed))
        // The endpoints name their ports: keep them all, also several on one host (bootstrap would otherwise keep
        // only the one on this node's management port, as if the others were remoting ports).
        .withValue(BOOTSTRAP + "contact-point.filter-on-fallback-port", ConfigValueFactory.fromAnyRef(false));
  }

  private Config kubernetesMethod() {
    if (!endpoints.isEmpty()) {
      throw new IllegalArgumentException("--discovery-endpoints is for --discovery config; kubernetes-api asks the "
          + "API server for the pods");
    }
    // The contact point of each pod is its container port named `management` (the manifests in deploy/k8s).
    return ConfigFactory.empty().withValue(BOOTSTRAP + "contact-point-discovery.port-name",
        ConfigValueFactory.fromAnyRef("management"));
  }

  private static Map<String, Object> endpoint(String hostPort) {
    String[] parts = hostPort.trim().split(":");
    if (parts.length != 2 || parts[0].isBlank() || parts[1].isEmpty()
        || !parts[1].chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("discovery endpoint '" + hostPort + "' is not HOST:PORT");
    }
    return Map.of("host", parts[0], "port", Integer.parseInt(parts[1]));
  }
}

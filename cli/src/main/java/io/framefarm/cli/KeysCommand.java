package io.framefarm.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm keys}. Exit codes: 0 keys made, 2 bad usage (a taken node name, say), 1 keytool failed. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = {
    "Make the keys of a cluster over TLS: a cluster CA, a truststore holding its certificate, and one keystore per "
        + "node signed by the CA. Run it again on the same directory to add nodes.",
    "The store password is generated into DIR/password (mode 600), or taken from FRAMEFARM_TLS_PASSWORD when set. "
        + "Keep DIR/ca.p12 and DIR/ca-password off the nodes: whoever holds them can let any node in."})
final class KeysCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory of the cluster's keys.")
  Path out;

  @Option(names = "--days", description = "How long node certificates are valid (default: ${DEFAULT-VALUE}).")
  int days = 730;

  @Parameters(arity = "1..*", paramLabel = "NODE", description = "Node names, e.g. coordinator gpu-1 gpu-2: "
      + "each gets DIR/NODE.p12.")
  List<String> nodes;

  @Override
  public Integer call() {
    if (days < 1) {
      throw new IllegalArgumentException("--days must be at least 1, got " + days);
    }
    if (nodes.stream().distinct().count() != nodes.size()) {
      throw new IllegalArgumentException("node names must differ: " + nodes);
    }
    String password = System.getenv(TlsOptions.PASSWORD_ENV);
    ClusterKeys keys = new ClusterKeys(NodeOptions.absolute(out));
    try {
      if (!keys.hasCa()) {
        keys.makeCa(password);
        System.out.println("Made a cluster CA in " + NodeOptions.absolute(out));
      }
      for (String node : nodes) {
        System.out.println("Made " + keys.issue(node, days, password));
      }
    } catch (IllegalStateException e) {
      System.err.println("farm: " + e.getMessage());
      return ExitCodes.JOB_FAILED;
    }
    String passwordHint = password == null ? " --tls-password-file password" : " (password: " + TlsOptions.PASSWORD_ENV
        + ")";
    System.out.println("Copy NODE.p12, truststore.p12" + (password == null ? " and password" : "")
        + " to each node and start it with --tls-keystore NODE.p12 --tls-truststore truststore.p12" + passwordHint);
    return ExitCodes.OK;
  }
}

package io.framefarm.cli;

import picocli.CommandLine.Option;

/** Where client commands find the coordinator. */
final class ClientOptions {
  @Option(names = "--coordinator", paramLabel = "URL",
      description = "The coordinator's HTTP API (default: ${DEFAULT-VALUE}).")
  String coordinator = System.getenv().getOrDefault("FRAMEFARM_COORDINATOR", "http://127.0.0.1:7070");

  FarmClient client() {
    return new FarmClient(coordinator);
  }
}

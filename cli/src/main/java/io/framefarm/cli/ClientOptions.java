package io.framefarm.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Where client commands find the coordinator. */
final class ClientOptions {
  @Option(names = "--coordinator", paramLabel = "URL",
      description = "The coordinator's HTTP API (default: ${DEFAULT-VALUE}).")
  String coordinator = System.getenv().getOrDefault("FRAMEFARM_COORDINATOR", "http://127.0.0.1:7070");

  @Option(names = "--api-token", paramLabel = "TOKEN",
      description = "The coordinator's API token, if it has one (default: FRAMEFARM_API_TOKEN).")
  String apiToken = System.getenv("FRAMEFARM_API_TOKEN");

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  FarmClient client() {
    return new FarmClient(coordinator, apiToken);
  }

  /** Where the command prints its results: the command line's writer, which tests capture. */
  PrintWriter out() {
    return command.commandLine().getOut();
  }
}

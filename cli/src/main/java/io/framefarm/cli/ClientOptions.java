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

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  FarmClient client() {
    return new FarmClient(coordinator);
  }

  /** Where the command prints its results: the command line's writer, which tests capture. */
  PrintWriter out() {
    return command.commandLine().getOut();
  }
}

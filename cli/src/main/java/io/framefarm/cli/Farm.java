package io.framefarm.cli;

import io.framefarm.coordinator.JournalUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code farm} command. Exit codes: 0 success, 1 job failed, 2 bad usage or input, 3 farm (or the journal's
 * database) unreachable.
 */
@Command(name = "farm", mixinStandardHelpOptions = true, version = "Framefarm 0.1.0",
    description = "A render farm for machine-learning video work.",
    subcommands = {UpCommand.class, CoordinatorCommand.class, WorkerCommand.class, SubmitCommand.class,
        StatusCommand.class, JobsCommand.class, CancelCommand.class, RetryCommand.class, NodesCommand.class,
        DemoCommand.class, KeysCommand.class, EventsCommand.class, OpenCommand.class, DrainCommand.class,
        FetchCommand.class})
public final class Farm {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code, without exiting (tests call this). */
  public static int run(String... args) {
    return run(new java.io.PrintWriter(System.err, true), args);
  }

  /** As {@link #run(String...)}, with errors written to {@code err}. */
  public static int run(java.io.PrintWriter err, String... args) {
    return run(new java.io.PrintWriter(System.out, true), err, args);
  }

  /** As {@link #run(String...)}, with the output of listing commands to {@code out} and errors to {@code err}. */
  public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Farm());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
      if (error instanceof FarmClient.Refused refused) {
        commandLine.getErr().println("farm: refused: " + refused.getMessage());
        return ExitCodes.BAD_INPUT;
      }
      if (error instanceof FarmClient.Unavailable unavailable) {
        commandLine.getErr().println("farm: " + unavailable.getMessage());
        return ExitCodes.UNAVAILABLE;
      }
      if (error instanceof JournalUnavailableException unavailable) {
        commandLine.getErr().println("farm: " + unavailable.getMessage());
        return ExitCodes.UNAVAILABLE;
      }
      if (error instanceof IllegalArgumentException || error instanceof io.framefarm.media.MediaException) {
        commandLine.getErr().println("farm: " + error.getMessage());
        return ExitCodes.BAD_INPUT;
      }
      throw error;
    });
    return cli.execute(args);
  }
}

package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Cancel a job; chunks already running finish and are discarded.")
final class CancelCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOB")
  String jobId;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() {
    JsonNode job = client.client().cancel(jobId);
    client.out().println(job.path("id").asText() + " " + job.path("state").asText().toLowerCase());
    return ExitCodes.OK;
  }
}

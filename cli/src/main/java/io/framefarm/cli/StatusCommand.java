package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show one job.")
final class StatusCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOB")
  String jobId;

  @Option(names = "--json", description = "Print the job as JSON.")
  boolean asJson;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() throws Exception {
    FarmClient farm = client.client();
    JsonNode job = farm.job(jobId);
    if (asJson) {
      client.out().println(farm.json().writerWithDefaultPrettyPrinter().writeValueAsString(job));
      return ExitCodes.OK;
    }
    client.out().println(JobsCommand.HEADER);
    client.out().println(JobsCommand.row(job));
    if (job.path("planning").asBoolean()) {
      client.out().println("still reading the input: frames and chunks are those planned so far");
    }
    if (job.path("waiting").isTextual()) {
      client.out().println(job.path("waiting").asText());
    }
    if (job.path("failure").isTextual()) {
      client.out().println("failure: " + job.path("failure").asText());
    }
    job.path("attemptFailures").forEach(f -> client.out().println("  failed: " + f.asText()));
    job.path("lostLeases").forEach(f -> client.out().println("  lost with its worker: " + f.asText()));
    return ExitCodes.OK;
  }
}

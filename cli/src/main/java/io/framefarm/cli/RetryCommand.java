package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "retry", mixinStandardHelpOptions = true,
    description = "Assemble again a job whose assembly failed (a full disk, a read-only folder), from its stored "
        + "chunks: nothing is computed again.")
final class RetryCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOB")
  String jobId;

  @Option(names = "--wait", description = "Wait until the job ends (1 if it failed again).")
  boolean waitForJob;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() throws InterruptedException {
    FarmClient farm = client.client();
    JsonNode job = farm.retry(jobId);
    client.out().println(job.path("id").asText() + " " + job.path("state").asText().toLowerCase());
    if (!waitForJob) {
      return ExitCodes.OK;
    }
    return SubmitCommand.report(JobWatcher.follow(farm, jobId, System.err));
  }
}

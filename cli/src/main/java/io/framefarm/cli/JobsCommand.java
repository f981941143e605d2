package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "jobs", mixinStandardHelpOptions = true, description = "List the farm's jobs.")
final class JobsCommand implements Callable<Integer> {
  static final String HEADER = String.format("%-13s %-10s %-9s %15s %9s  %s", "JOB", "STATE", "PIPELINE", "FRAMES",
      "CHUNKS", "OUTPUT");

  @Option(names = "--json", description = "Print the jobs as JSON.")
  boolean asJson;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() throws Exception {
    FarmClient farm = client.client();
    JsonNode jobs = farm.jobs();
    if (asJson) {
      client.out().println(farm.json().writerWithDefaultPrettyPrinter().writeValueAsString(jobs));
      return ExitCodes.OK;
    }
    client.out().println(HEADER);
    jobs.forEach(job -> client.out().println(row(job)));
    return ExitCodes.OK;
  }

  static String row(JsonNode job) {
    return String.format("%-13s %-10s %-9s %15s %9s  %s", job.path("id").asText(), job.path("state").asText(),
        job.path("request").path("pipeline").asText(),
        job.path("framesDone").asInt() + "/" + job.path("totalFrames").asInt(),
        job.path("chunksDone").asInt() + "/" + job.path("chunks").asInt(),
        job.path("request").path("output").asText());
  }
}

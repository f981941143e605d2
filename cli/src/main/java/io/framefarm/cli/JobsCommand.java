package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "jobs", mixinStandardHelpOptions = true,
    description = "List the farm's jobs, newest first, a page at a time (finished jobs come from the history).")
final class JobsCommand implements Callable<Integer> {
  static final String HEADER = String.format("%-13s %-10s %-9s %15s %9s  %s", "JOB", "STATE", "PIPELINE", "FRAMES",
      "CHUNKS", "OUTPUT");

  @Option(names = "--json", description = "Print the jobs as a JSON array.")
  boolean asJson;

  @Option(names = "--limit", defaultValue = "50", description = "Jobs per page (1 to 500; default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--after", description = "Start after this cursor (printed at the end of the previous page).")
  String after;

  @Option(names = "--all", description = "Follow every page to the oldest job.")
  boolean all;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() throws Exception {
    FarmClient farm = client.client();
    var jobs = farm.json().createArrayNode();
    String cursor = after;
    do {
      JsonNode page = farm.jobs(limit, cursor);
      jobs.addAll((com.fasterxml.jackson.databind.node.ArrayNode) page.path("jobs"));
      cursor = page.path("next").isTextual() ? page.path("next").asText() : null;
    } while (all && cursor != null);
    if (asJson) {
      client.out().println(farm.json().writerWithDefaultPrettyPrinter().writeValueAsString(jobs));
      return ExitCodes.OK;
    }
    client.out().println(HEADER);
    jobs.forEach(job -> client.out().println(row(job)));
    if (cursor != null) {
      client.out().println("More: farm jobs --after " + cursor + " (or --all)");
    }
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

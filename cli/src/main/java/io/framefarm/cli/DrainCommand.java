package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "drain", mixinStandardHelpOptions = true,
    description = "Drain a worker node: it takes no more chunks, lets running ones finish within its drain timeout, "
        + "hands back the rest, leaves the cluster and stops (farm worker then exits 0). Same as SIGTERM on it.")
final class DrainCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NODE",
      description = "The worker node's cluster address, HOST:PORT (as farm nodes shows it) or pekko://farm@HOST:PORT.")
  String node;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() {
    JsonNode answer = client.client().drain(node);
    client.out().println(answer.path("node").asText() + " " + answer.path("state").asText().toLowerCase());
    return ExitCodes.OK;
  }
}

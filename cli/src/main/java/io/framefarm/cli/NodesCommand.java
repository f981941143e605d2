package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "nodes", mixinStandardHelpOptions = true,
    description = "Show every device's memory: used / budget, models in LRU order, pool, evictions, pressure.")
final class NodesCommand implements Callable<Integer> {
  static final String HEADER = String.format("%-24s %-8s %21s %-36s %12s %9s %-8s", "NODE", "DEVICE",
      "USED / BUDGET", "MODELS (LRU first)", "POOL", "EVICTIONS", "PRESSURE");

  @Option(names = "--json", description = "Print the reports as JSON.")
  boolean asJson;

  @Option(names = "--watch", description = "Stream memory events as they happen (Ctrl-C to stop).")
  boolean watch;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() throws Exception {
    FarmClient farm = client.client();
    if (watch) {
      farm.events(event -> {
        client.out().println(eventLine(event));
        client.out().flush();
      });
      return ExitCodes.OK;
    }
    JsonNode nodes = farm.nodes();
    if (asJson) {
      client.out().println(farm.json().writerWithDefaultPrettyPrinter().writeValueAsString(nodes));
      return ExitCodes.OK;
    }
    client.out().println(HEADER);
    nodes.path("devices").forEach(d -> client.out().println(row(d)));
    return ExitCodes.OK;
  }

  static String row(JsonNode d) {
    List<String> models = new ArrayList<>();
    d.path("models").forEach(m -> models.add(m.path("modelId").asText() + ":" + Bytes.human(m.path("bytes").asLong())));
    return String.format("%-24s %-8s %21s %-36s %12s %9d %-8s", shortNode(d.path("node").asText()),
        d.path("deviceId").asText(),
        Bytes.human(d.path("usedBytes").asLong()) + " / " + Bytes.human(d.path("budgetBytes").asLong()),
        models.isEmpty() ? "-" : String.join(" ", models), Bytes.human(d.path("poolBytes").asLong()),
        d.path("evictions").asLong(), d.path("pressure").asText());
  }

  static String eventLine(JsonNode e) {
    return String.format("%tT %-18s %-24s %-8s %s", e.path("atMillis").asLong(), e.path("type").asText(),
        shortNode(e.path("node").asText()), e.path("deviceId").asText(), e.path("detail").asText());
  }

  private static String shortNode(String address) {
    int at = address.indexOf('@');
    return at < 0 ? address : address.substring(at + 1);
  }
}

package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "events", mixinStandardHelpOptions = true,
    description = "Follow the farm's events as they happen: jobs, chunks, nodes joining and leaving, memory events "
        + "(model loads, evictions, pressure, leaks). Ctrl-C to stop.")
final class EventsCommand implements Callable<Integer> {
  static final String HEADER = String.format("%-8s %-18s %-28s %s", "TIME", "EVENT", "WHERE", "DETAIL");

  @Option(names = "--json", description = "One JSON object per line: {\"event\": name, \"data\": {...}}.")
  boolean asJson;

  @Option(names = "--reports", description = "Include every device's memory reports (every 2 s per device).")
  boolean reports;

  @Option(names = "--until", paramLabel = "EVENT",
      description = "Stop after the first event of this name, e.g. JobCompleted.")
  String until;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() {
    FarmClient farm = client.client();
    if (!asJson) {
      client.out().println(HEADER);
    }
    farm.events("farm=true" + (reports ? "&reports=true" : ""), (event, data) -> {
      if (asJson) {
        client.out().println(farm.json().createObjectNode().put("event", event).set("data", data));
      } else {
        client.out().println(line(event, data));
      }
      client.out().flush();
      return until == null || !until.equals(event);
    });
    return ExitCodes.OK;
  }

  static String line(String event, JsonNode e) {
    String where;
    String detail = e.path("detail").asText();
    if (event.equals("MemoryReport")) {
      where = shortNode(e.path("node").asText()) + "/" + e.path("deviceId").asText();
      detail = Bytes.human(e.path("usedBytes").asLong()) + " / " + Bytes.human(e.path("budgetBytes").asLong())
          + " used, " + e.path("models").size() + " models, pressure " + e.path("pressure").asText();
    } else if (!e.path("jobId").asText().isEmpty()) {
      where = e.path("jobId").asText() + (e.path("chunk").asInt(-1) >= 0 ? " chunk " + e.path("chunk").asInt() : "");
    } else if (!e.path("deviceId").asText().isEmpty()) {
      where = shortNode(e.path("node").asText()) + "/" + e.path("deviceId").asText();
    } else {
      where = shortNode(e.path("node").asText());
    }
    return String.format("%tT %-18s %-28s %s", e.path("atMillis").asLong(), event, where, detail);
  }

  private static String shortNode(String address) {
    int at = address.indexOf('@');
    return at < 0 ? address : address.substring(at + 1);
  }
}

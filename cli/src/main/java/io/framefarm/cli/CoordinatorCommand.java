package io.framefarm.cli;

import io.framefarm.coordinator.JournalDatabase;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "coordinator", mixinStandardHelpOptions = true,
    description = "Run a coordinator node: the job manager and the HTTP API. SIGTERM stops it cleanly: new "
        + "uploads are refused, those under way may finish within --drain-timeout, then it exits 0.")
final class CoordinatorCommand implements Callable<Integer> {
  @Option(names = "--http-port", description = "Port of the HTTP API (default: ${DEFAULT-VALUE}).")
  int httpPort = 7070;

  @Option(names = "--data-dir", description = "Journal and chunk files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of(".farm");

  @Option(names = "--drain-timeout", paramLabel = "DURATION",
      description = "On SIGTERM, how long uploads under way may finish (new ones get 503) before the coordinator "
          + "stops, e.g. 60s or 5m (default: framefarm.coordinator.drain-timeout, 60s).")
  String drainTimeout;

  @Mixin
  NodeOptions node = new NodeOptions();

  @Mixin
  ApiOptions api = new ApiOptions();

  @Mixin
  JournalOptions journal = new JournalOptions();

  @Override
  public Integer call() {
    Map<String, Object> settings = new LinkedHashMap<>(api.overrides());
    settings.putAll(journal.overrides());
    settings.put("framefarm.data-dir", NodeOptions.absolute(dataDir).toString());
    settings.put("framefarm.coordinator.http-port", httpPort);
    if (drainTimeout != null) {
      settings.put("framefarm.coordinator.drain-timeout", drainTimeout);
    }
    var config = node.config(List.of("coordinator"), settings);
    config.getDuration("framefarm.coordinator.drain-timeout"); // a bad --drain-timeout fails here, before starting
    FarmNode farm = FarmNode.start(config, 0);
    System.out.println("Coordinator up: API at " + farm.apiUrl() + "/api/v1, cluster at " + node.host + ":"
        + farm.system().address().port().getOrElse(() -> 0) + ", journal " + JournalDatabase.of(config));
    Runtime.getRuntime().addShutdownHook(new Thread(farm::close));
    // SIGTERM (systemd, Kubernetes) and Ctrl-C: uploads under way may finish, then a clean stop with exit 0.
    Signals.onTermination(farm::stop);
    farm.awaitTermination();
    System.out.println("Coordinator stopped");
    return ExitCodes.OK;
  }
}

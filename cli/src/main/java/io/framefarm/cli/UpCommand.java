package io.framefarm.cli;

import io.framefarm.coordinator.JournalDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Run the embedded farm: a coordinator and a worker node in one process, one cluster.")
final class UpCommand implements Callable<Integer> {
  /** How long {@code farm up} waits for its worker's first memory report before it says it is up anyway. */
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

  @Mixin
  DeviceOptions devices = new DeviceOptions();

  @Option(names = "--http-port", description = "Port of the HTTP API; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int httpPort = 7070;

  @Option(names = "--data-dir", description = "Journal, chunks and scratch files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of(".farm");

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
    settings.putAll(devices.overrides());
    var config = node.config(List.of("coordinator", "worker"), settings);
    FarmNode farm = FarmNode.start(config, devices.toWorkerOptions());
    Runtime.getRuntime().addShutdownHook(new Thread(farm::close));
    // Up means up: the worker has reported its budget, so a submission is checked against it.
    if (!farm.awaitOwnWorker(READY_TIMEOUT)) {
      System.err.println("farm: the worker has not reported its devices within " + READY_TIMEOUT.toSeconds()
          + " s; the API is up, and jobs wait for a worker (see the log)");
    }
    String slots = devices.simulatedDevices > 0 ? devices.simulatedDevices + " simulated device(s)"
        : devices.cpuSlots + " CPU slot(s)";
    System.out.println("Framefarm is up: API at " + farm.apiUrl() + "/api/v1, " + slots + ", data in "
        + NodeOptions.absolute(dataDir) + ", journal " + JournalDatabase.of(config));
    farm.awaitTermination();
    return ExitCodes.OK;
  }
}

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
    description = "Run a coordinator node: the job manager and the HTTP API.")
final class CoordinatorCommand implements Callable<Integer> {
  @Option(names = "--http-port", description = "Port of the HTTP API (default: ${DEFAULT-VALUE}).")
  int httpPort = 7070;

  @Option(names = "--data-dir", description = "Journal and chunk files (default: ${DEFAULT-VALUE}).")
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
    var config = node.config(List.of("coordinator"), settings);
    FarmNode farm = FarmNode.start(config, 0);
    System.out.println("Coordinator up: API at " + farm.apiUrl() + "/api/v1, cluster at " + node.host + ":"
        + farm.system().address().port().getOrElse(() -> 0) + ", journal " + JournalDatabase.of(config));
    Runtime.getRuntime().addShutdownHook(new Thread(farm::close));
    farm.awaitTermination();
    return ExitCodes.OK;
  }
}

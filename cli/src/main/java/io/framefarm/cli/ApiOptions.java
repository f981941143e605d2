package io.framefarm.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** How a coordinator serves its HTTP API: where it listens, who may call it, which files jobs may touch. */
final class ApiOptions {
  @Option(names = "--http-host", paramLabel = "HOST",
      description = "Interface the HTTP API binds; not loopback: needs --api-token (default: ${DEFAULT-VALUE}).")
  String httpHost = "127.0.0.1";

  @Option(names = "--api-token", paramLabel = "TOKEN",
      description = "Bearer token every API call must carry (or FRAMEFARM_API_TOKEN, which keeps it out of `ps`).")
  String apiToken;

  @Option(names = "--allowed-root", paramLabel = "DIR",
      description = "Inputs, outputs and pipeline files must lie under these (repeatable; default: the data dir and"
          + " the working directory).")
  List<Path> allowedRoots = List.of();

  /** The HOCON settings these options stand for; unset options leave the configuration as it is. */
  Map<String, Object> overrides() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("framefarm.coordinator.http-host", httpHost);
    if (apiToken != null) {
      settings.put("framefarm.coordinator.api.token", apiToken);
    }
    if (!allowedRoots.isEmpty()) {
      settings.put("framefarm.coordinator.allowed-roots", allowedRoots.stream()
          .map(p -> NodeOptions.absolute(p).toString()).toList());
    }
    return settings;
  }
}

package io.framefarm.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded farm of {@code farm up} (coordinator and worker in one node, HTTP on a free port) for the
 * end-to-end benchmarks. In this package to build its configuration exactly as the command does.
 */
public final class BenchFarm {
  private BenchFarm() {}

  public static FarmNode embedded(Path dataDir, int cpuSlots, Map<String, Object> overrides) {
    return embedded(dataDir, new FarmNode.WorkerOptions(cpuSlots, "all", 0, 0), overrides);
  }

  /** With each device's memory budget and the rest of {@code farm up}'s worker options. */
  public static FarmNode embedded(Path dataDir, FarmNode.WorkerOptions worker, Map<String, Object> overrides) {
    Map<String, Object> settings = new LinkedHashMap<>(overrides);
    settings.put("framefarm.data-dir", NodeOptions.absolute(dataDir).toString());
    settings.put("framefarm.coordinator.http-port", 0);
    return FarmNode.start(new NodeOptions().config(List.of("coordinator", "worker"), settings), worker);
  }
}

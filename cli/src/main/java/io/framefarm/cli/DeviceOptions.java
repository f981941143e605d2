package io.framefarm.cli;

import io.framefarm.worker.device.MemorySize;
import picocli.CommandLine.Option;

/** How a worker node uses its devices. */
final class DeviceOptions {
  @Option(names = "--cpu-slots", description = "Host slots when no GPU is used (default: ${DEFAULT-VALUE}).")
  int cpuSlots = 1;

  @Option(names = "--gpus", paramLabel = "all|none|0,2", description = "GPUs to use (default: ${DEFAULT-VALUE}).")
  String gpus = "all";

  @Option(names = "--memory-budget", paramLabel = "SIZE",
      description = "Memory budget per device, e.g. 6GiB (default: 90% of a GPU; half of host memory shared by slots).")
  String memoryBudget;

  @Option(names = "--model-cache-size", paramLabel = "SIZE",
      description = "Disk budget of the worker's cache of fetched model files, e.g. 50GiB (default: 20GiB).")
  String modelCacheSize;

  FarmNode.WorkerOptions toWorkerOptions() {
    if (cpuSlots < 1) {
      throw new IllegalArgumentException("--cpu-slots must be at least 1, got " + cpuSlots);
    }
    long budget = memoryBudget == null ? 0 : MemorySize.parse(memoryBudget);
    long cache = modelCacheSize == null ? 0 : MemorySize.parse(modelCacheSize);
    return new FarmNode.WorkerOptions(cpuSlots, gpus, budget, cache);
  }
}

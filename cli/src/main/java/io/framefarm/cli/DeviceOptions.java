package io.framefarm.cli;

import io.framefarm.worker.device.MemorySize;
import java.util.LinkedHashMap;
import java.util.Map;
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

  @Option(names = "--simulated-devices", paramLabel = "N",
      description = "Run N simulated devices instead of GPUs or host slots, for capacity planning and benchmarks: "
          + "each frame holds a device for --simulated-frame-ms on a timer, using no CPU, so that scheduling, "
          + "transfer and bookkeeping are what is measured. Output frames are the input's (passed through without "
          + "decoding when every chunk starts on a keyframe and the source has no B-frames, else re-encoded). "
          + "Budget per device: --memory-budget (default 8GiB).")
  int simulatedDevices;

  @Option(names = "--simulated-frame-ms", paramLabel = "MS",
      description = "How long each frame holds a simulated device, in milliseconds (default: ${DEFAULT-VALUE}).")
  long simulatedFrameMs = 20;

  /** The worker's configuration that these options set: the simulated devices, when asked for. */
  Map<String, Object> overrides() {
    if (simulatedDevices < 0) {
      throw new IllegalArgumentException("--simulated-devices must not be negative, got " + simulatedDevices);
    }
    if (simulatedFrameMs < 0) {
      throw new IllegalArgumentException("--simulated-frame-ms must not be negative, got " + simulatedFrameMs);
    }
    Map<String, Object> settings = new LinkedHashMap<>();
    if (simulatedDevices > 0) {
      settings.put("framefarm.worker.simulated.devices", simulatedDevices);
      settings.put("framefarm.worker.simulated.frame-time", simulatedFrameMs + "ms");
    }
    return settings;
  }

  FarmNode.WorkerOptions toWorkerOptions() {
    if (cpuSlots < 1) {
      throw new IllegalArgumentException("--cpu-slots must be at least 1, got " + cpuSlots);
    }
    long budget = memoryBudget == null ? 0 : MemorySize.parse(memoryBudget);
    long cache = modelCacheSize == null ? 0 : MemorySize.parse(modelCacheSize);
    return new FarmNode.WorkerOptions(cpuSlots, gpus, budget, cache);
  }
}

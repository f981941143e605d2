package io.framefarm.worker.gpucheck;

import io.framefarm.worker.device.MemorySize;

/**
 * What the GPU check runs: which device, how large a budget, how long its loops are.
 *
 * @param budgetBytes the memory manager's budget; 0 for {@code min(8 GiB, half the free memory)}
 * @param leaseCycles lease/return cycles in the long loop
 * @param evictions model evictions in the eviction loop
 * @param timingSamples direct cuMemAlloc/cuMemFree pairs timed for each size
 * @param tolerancePercent the share of the budget the books may differ from cuMemGetInfo by
 */
public record CheckOptions(int device, long budgetBytes, int leaseCycles, int evictions, int timingSamples,
    double tolerancePercent) {

  public static final String USAGE = "options: [--device N] [--budget SIZE] [--lease-cycles N] [--evictions N]"
      + " [--timing-samples N] [--tolerance-percent P]";

  public CheckOptions {
    if (device < 0 || budgetBytes < 0 || leaseCycles < 10 || evictions < 10 || timingSamples < 10) {
      throw new IllegalArgumentException("device and budget must be >= 0, loop and sample counts >= 10");
    }
    if (!(tolerancePercent > 0 && tolerancePercent < 50)) {
      throw new IllegalArgumentException("--tolerance-percent must be in (0, 50), was " + tolerancePercent);
    }
  }

  /** The counts: 100,000 lease/return cycles, 1,000 evictions. */
  public static CheckOptions defaults() {
    return new CheckOptions(0, 0, 100_000, 1_000, 2_000, 2.0);
  }

  public CheckOptions withCounts(int cycles, int evictionCount, int samples) {
    return new CheckOptions(device, budgetBytes, cycles, evictionCount, samples, tolerancePercent);
  }

  /** @throws IllegalArgumentException naming the option that is wrong */
  public static CheckOptions parse(String... args) {
    CheckOptions o = defaults();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(name + " needs a value; " + USAGE);
      }
      String value = args[++i];
      o = switch (name) {
        case "--device" -> new CheckOptions(Integer.parseInt(value), o.budgetBytes, o.leaseCycles, o.evictions,
            o.timingSamples, o.tolerancePercent);
        case "--budget" -> new CheckOptions(o.device, MemorySize.parse(value), o.leaseCycles, o.evictions,
            o.timingSamples, o.tolerancePercent);
        case "--lease-cycles" -> o.withCounts(Integer.parseInt(value), o.evictions, o.timingSamples);
        case "--evictions" -> o.withCounts(o.leaseCycles, Integer.parseInt(value), o.timingSamples);
        case "--timing-samples" -> o.withCounts(o.leaseCycles, o.evictions, Integer.parseInt(value));
        case "--tolerance-percent" -> new CheckOptions(o.device, o.budgetBytes, o.leaseCycles, o.evictions,
            o.timingSamples, Double.parseDouble(value));
        default -> throw new IllegalArgumentException("unknown option " + name + "; " + USAGE);
      };
    }
    return o;
  }
}

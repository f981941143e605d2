package io.framefarm.worker.gpucheck;

import io.framefarm.worker.device.FakeCudaDriver;
import io.framefarm.worker.device.FakeCudaDriver.Gpu;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPU check against {@link FakeCudaDriver}, for machines without a GPU: the unit test runs it, and the
 * gpu-check bundle carries it (with the fake) so that {@code run.sh --fake} proves the bundle starts.
 *
 * <p>The fake GPU behaves as a real one does where the books could go wrong: allocations take whole 2 MiB pages,
 * the primary context takes its own memory, and the first allocation leaves some behind for good.
 * {@code --fault leak} and {@code --fault overcharge} make it a broken driver, to see the check fail.
 */
public final class FakeGpuCheck {

  static final long MIB = 1L << 20;

  private FakeGpuCheck() {}

  /** A 141 GiB card with a real driver's page size and overheads. */
  public static FakeCudaDriver realisticDriver() {
    return FakeCudaDriver.withGpus(new Gpu("Fake H200 (FakeCudaDriver)", 141L << 30))
        .withGranularity(2 * MIB)
        .withOverheads(500 * MIB, 4 * MIB);
  }

  public static void main(String[] args) {
    FakeCudaDriver driver = realisticDriver();
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--fault") && i + 1 < args.length) {
        String fault = args[++i];
        switch (fault) {
          case "leak" -> driver.leakingEveryNthFree(10);
          case "overcharge" -> driver.overchargingBy(1.1);
          default -> throw new IllegalArgumentException("--fault is leak or overcharge, was " + fault);
        }
      } else {
        rest.add(args[i]);
      }
    }
    System.exit(GpuCheck.run(driver, rest.toArray(String[]::new), System.out));
  }
}

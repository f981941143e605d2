package io.framefarm.worker.gpucheck;

import io.framefarm.worker.device.CudaDriver;
import java.util.Arrays;
import java.util.Locale;

/** Median costs of device allocation: straight through the driver, to compare with the memory manager's. */
final class AllocationTiming {

  private AllocationTiming() {}

  /**
   * Nanoseconds of each of {@code samples} rounds of {@code count} {@code cuMemAlloc}s of {@code bytes} followed by
   * their {@code cuMemFree}s, on the calling thread (its context current), after a few rounds of warm-up.
   */
  static long[] direct(CudaDriver driver, long bytes, int count, int samples) {
    long[] pointers = new long[count];
    long[] nanos = new long[samples];
    for (int i = -Math.min(10, samples); i < samples; i++) {
      long t0 = System.nanoTime();
      for (int j = 0; j < count; j++) {
        pointers[j] = driver.allocate(bytes);
      }
      for (int j = 0; j < count; j++) {
        driver.free(pointers[j]);
      }
      if (i >= 0) {
        nanos[i] = System.nanoTime() - t0;
      }
    }
    return nanos;
  }

  static long median(long[] nanos) {
    if (nanos.length == 0) {
      return -1;
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** {@code "actor 12,345 ns vs direct 6,789 ns per op: 1.82x"}. */
  static String compare(long actorNanos, long directNanos) {
    String ratio = directNanos > 0 ? String.format(Locale.ROOT, "%.2fx", (double) actorNanos / directNanos) : "n/a";
    return String.format(Locale.ROOT, "median actor %,d ns vs direct %,d ns per op: ratio %s", actorNanos,
        directNanos, ratio);
  }
}

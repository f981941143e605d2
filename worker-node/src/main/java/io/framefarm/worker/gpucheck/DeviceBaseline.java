package io.framefarm.worker.gpucheck;

import static io.framefarm.worker.device.MemorySize.format;

import io.framefarm.worker.device.CudaDriver;

/**
 * Where the device's memory stands before the memory manager allocates anything, and how far the
 * manager's books may differ from {@code cuMemGetInfo}.
 *
 * <p>Measured on the calling thread with its context current: {@code firstUseBytes} is what the driver
 * keeps after the first allocation is freed (heaps it creates lazily), {@code granularityBytes} what a
 * one-byte allocation takes. The tolerance is the largest of three: {@code percent} of the budget (the
 * accuracy the budget needs: it leaves the card's last 10% alone, so an error of 2% of it can never
 * reach the driver's out-of-memory); 16 granules (rounding of up to 16 live allocations that are not
 * multiples of the page); and 8 MiB plus the first-use overhead (driver bookkeeping that grows with the
 * number of allocations).
 */
record DeviceBaseline(long freeAtStartBytes, long firstUseBytes, long granularityBytes, long baselineFreeBytes,
    long toleranceBytes) {

  static final long MIB = 1L << 20;

  static DeviceBaseline measure(CudaDriver driver, long budgetBytes, double percent) {
    long freeAtStart = driver.memoryInfo().freeBytes();
    driver.free(driver.allocate(1)); // the first allocation makes the driver set up what it keeps for good
    long afterFirstUse = driver.memoryInfo().freeBytes();
    long probe = driver.allocate(1);
    long granularity = Math.max(0, afterFirstUse - driver.memoryInfo().freeBytes());
    driver.free(probe);
    long baseline = driver.memoryInfo().freeBytes();
    long firstUse = Math.max(0, freeAtStart - baseline);
    long tolerance = Math.max((long) (budgetBytes * percent / 100),
        Math.max(16 * granularity, 8 * MIB + firstUse));
    return new DeviceBaseline(freeAtStart, firstUse, granularity, baseline, tolerance);
  }

  /** Bytes taken since the baseline, as the device reports its free memory now. */
  long usedSince(long deviceFreeBytes) {
    return baselineFreeBytes - deviceFreeBytes;
  }

  String describe(long budgetBytes, double percent) {
    return "tolerance " + format(toleranceBytes) + " = max(" + percent + "% of budget " + format(budgetBytes)
        + ", 16 x granularity " + format(granularityBytes) + ", 8 MiB + first-use overhead " + format(firstUseBytes)
        + ")";
  }
}

package io.framefarm.worker.memory;

import io.framefarm.worker.device.MemorySize;

/**
 * How much of a device the farm may use, and how much it does.
 *
 * <p>Every byte charged here was checked against the limit first, and every release must match a
 * reservation: a mismatch is a bookkeeping bug, so it fails loudly instead of clamping to zero and
 * letting the books drift from the device.
 */
final class MemoryBudget {

  private final long limitBytes;
  private final long highBytes;
  private final long lowBytes;
  private long usedBytes;
  private long peakBytes;

  private MemoryBudget(long limitBytes, double highWatermark, double lowWatermark) {
    this.limitBytes = limitBytes;
    this.highBytes = (long) (limitBytes * highWatermark);
    this.lowBytes = (long) (limitBytes * lowWatermark);
  }

  /** Budget {@code min(configured, total × fraction)}; {@code configuredBytes <= 0} means not configured. */
  static MemoryBudget of(long configuredBytes, long totalBytes, double fraction, double highWatermark,
      double lowWatermark) {
    if (totalBytes <= 0) {
      throw new IllegalArgumentException("device total must be positive, was " + totalBytes);
    }
    long share = (long) (totalBytes * fraction);
    long limit = configuredBytes > 0 ? Math.min(configuredBytes, share) : share;
    return new MemoryBudget(limit, highWatermark, lowWatermark);
  }

  long limitBytes() {
    return limitBytes;
  }

  long usedBytes() {
    return usedBytes;
  }

  long freeBytes() {
    return limitBytes - usedBytes;
  }

  long peakBytes() {
    return peakBytes;
  }

  long highWatermarkBytes() {
    return highBytes;
  }

  long lowWatermarkBytes() {
    return lowBytes;
  }

  boolean fits(long bytes) {
    return bytes <= limitBytes - usedBytes;
  }

  boolean aboveHighWatermark() {
    return usedBytes > highBytes;
  }

  boolean atOrBelowLowWatermark() {
    return usedBytes <= lowBytes;
  }

  void reserve(long bytes) {
    requireNonNegative(bytes);
    if (!fits(bytes)) {
      throw new IllegalStateException("reserving " + describe(bytes) + " would exceed the budget of "
          + describe(limitBytes) + " (" + describe(usedBytes) + " used)");
    }
    usedBytes += bytes;
    peakBytes = Math.max(peakBytes, usedBytes);
  }

  void release(long bytes) {
    requireNonNegative(bytes);
    if (bytes > usedBytes) {
      throw new IllegalStateException("releasing " + describe(bytes) + " but only " + describe(usedBytes)
          + " is reserved");
    }
    usedBytes -= bytes;
  }

  private static void requireNonNegative(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
    }
  }

  private static String describe(long bytes) {
    return MemorySize.format(bytes) + " (" + bytes + " bytes)";
  }
}

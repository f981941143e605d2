package io.framefarm.worker.memory;

import io.framefarm.worker.device.Device;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one device's memory manager.
 *
 * @param budgetBytes the configured budget ({@code --memory-budget}); {@code 0} for none, leaving
 *     {@code total × budgetFraction}
 * @param budgetFraction the share of the device's total the farm may use at most
 * @param highWatermark above this share of the budget, clean up at once and report pressure
 * @param lowWatermark cleanup trims down to this share; pressure is back to normal at or below it
 * @param cleanupEveryFrames clean up after this many frames processed on the device
 * @param cleanupInterval and on this timer
 * @param reportInterval report stats at least this often
 * @param reportMinInterval and on change, at most this often
 * @param trackingLevel how much to record about where leases were taken
 */
public record MemoryConfig(
    long budgetBytes,
    double budgetFraction,
    double highWatermark,
    double lowWatermark,
    int cleanupEveryFrames,
    Duration cleanupInterval,
    Duration reportInterval,
    Duration reportMinInterval,
    TrackingLevel trackingLevel) {

  public MemoryConfig {
    Objects.requireNonNull(cleanupInterval, "cleanupInterval");
    Objects.requireNonNull(reportInterval, "reportInterval");
    Objects.requireNonNull(reportMinInterval, "reportMinInterval");
    Objects.requireNonNull(trackingLevel, "trackingLevel");
    if (budgetBytes < 0) {
      throw new IllegalArgumentException("budget must be >= 0 (0: not configured), was " + budgetBytes);
    }
    if (!(budgetFraction > 0 && budgetFraction <= 1)) {
      throw new IllegalArgumentException("budget fraction must be in (0, 1], was " + budgetFraction);
    }
    if (!(lowWatermark > 0 && lowWatermark < highWatermark && highWatermark <= 1)) {
      throw new IllegalArgumentException("watermarks need 0 < low < high <= 1, were low " + lowWatermark + ", high "
          + highWatermark);
    }
    if (cleanupEveryFrames < 1) {
      throw new IllegalArgumentException("cleanup every N frames needs N >= 1, was " + cleanupEveryFrames);
    }
    if (cleanupInterval.isNegative() || cleanupInterval.isZero() || reportInterval.isNegative()
        || reportInterval.isZero() || reportMinInterval.isNegative() || reportMinInterval.isZero()) {
      throw new IllegalArgumentException("cleanup and report intervals must be positive");
    }
  }

  /**
   * Defaults for a kind of device: on a GPU the farm takes at most 90% (the CUDA context, cuDNN
   * workspaces and other processes need the rest); a host slot's total already is its configured
   * budget, so all of it.
   */
  public static MemoryConfig defaults(Device.Kind kind) {
    return new MemoryConfig(0, kind == Device.Kind.CUDA ? 0.9 : 1.0, 0.90, 0.75, 300, Duration.ofSeconds(30),
        Duration.ofSeconds(2), Duration.ofMillis(250), TrackingLevel.SAMPLED);
  }

  public MemoryConfig withBudgetBytes(long bytes) {
    return new MemoryConfig(bytes, budgetFraction, highWatermark, lowWatermark, cleanupEveryFrames, cleanupInterval,
        reportInterval, reportMinInterval, trackingLevel);
  }

  public MemoryConfig withWatermarks(double high, double low) {
    return new MemoryConfig(budgetBytes, budgetFraction, high, low, cleanupEveryFrames, cleanupInterval, reportInterval,
        reportMinInterval, trackingLevel);
  }

  public MemoryConfig withCleanup(int everyFrames, Duration interval) {
    return new MemoryConfig(budgetBytes, budgetFraction, highWatermark, lowWatermark, everyFrames, interval,
        reportInterval, reportMinInterval, trackingLevel);
  }

  public MemoryConfig withReports(Duration interval, Duration minInterval) {
    return new MemoryConfig(budgetBytes, budgetFraction, highWatermark, lowWatermark, cleanupEveryFrames,
        cleanupInterval, interval, minInterval, trackingLevel);
  }

  public MemoryConfig withTrackingLevel(TrackingLevel level) {
    return new MemoryConfig(budgetBytes, budgetFraction, highWatermark, lowWatermark, cleanupEveryFrames,
        cleanupInterval, reportInterval, reportMinInterval, level);
  }
}

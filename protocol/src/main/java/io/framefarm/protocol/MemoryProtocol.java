package io.framefarm.protocol;

import java.util.List;

/**
 * What device memory managers publish on the cluster topic {@value #TOPIC}: a report per device at
 * least every two seconds and on change, and events as they happen. The coordinator keeps the latest
 * report per device for the scheduler, the API, the CLI and the dashboard.
 */
public final class MemoryProtocol {
  public static final String TOPIC = "framefarm-memory";

  private MemoryProtocol() {}

  /** Everything sent on the memory topic. */
  public sealed interface MemoryNotice extends FarmMessage permits DeviceReport, DeviceEvent {
    String node();

    String deviceId();
  }

  /** A resident model, in LRU order within its report (least recently used first). */
  public record ResidentModel(String modelId, long bytes, long lastUsedMillis, int pins, int users) {}

  /**
   * One device's memory as its manager last saw it. {@code highWatermarkBytes}: above it the manager frees memory
   * at once, down to {@code lowWatermarkBytes} (both 0 from a worker that does not report them).
   */
  public record DeviceReport(String node, String deviceId, String deviceKind, long atMillis, long budgetBytes,
      long usedBytes, long freeBytes, long peakBytes, long modelBytes, long poolBytes, long poolLeasedBytes,
      long otherBytes, List<ResidentModel> models, long loads, long evictions, long hits, long misses, long poolHits,
      long poolMisses, long leaks, String pressure, long deviceTotalBytes,
      long deviceFreeBytes, long highWatermarkBytes, long lowWatermarkBytes) implements MemoryNotice {
    public DeviceReport {
      models = List.copyOf(models);
    }
  }

  /**
   * A memory event. {@code type}: ModelLoaded, ModelEvicted, MemoryPressure, AllocationRejected,
   * LeakDetected or LeasesReclaimed (what a restarted memory manager took back from an owner);
   * {@code subject} the model or owner concerned; {@code detail} a sentence for people.
   */
  public record DeviceEvent(String node, String deviceId, long atMillis, String type, String subject, long bytes,
      String detail) implements MemoryNotice {}
}

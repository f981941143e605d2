package io.framefarm.worker.memory;

import org.apache.pekko.actor.NoSerializationVerificationNeeded;
/**
 * What a device's memory manager tells the rest of the farm. Plain records of primitives and
 * strings so they map one-to-one onto protobuf messages for the cluster topic.
 */
public sealed interface MemoryEvent extends NoSerializationVerificationNeeded {

  String deviceId();

  /** A model was loaded; {@code estimatedBytes} is what was reserved before the load. */
  record ModelLoaded(String deviceId, String modelId, long bytes, long estimatedBytes, long loadMillis, boolean pinned)
      implements MemoryEvent {}

  /**
   * A model was evicted and closed. {@code reclaimedBytes} is how much device memory came back as
   * {@code cuMemGetInfo} saw it, {@code -1} where it is not measured (host devices).
   */
  record ModelEvicted(String deviceId, String modelId, long bytes, long reclaimedBytes, String reason)
      implements MemoryEvent {}

  /** Use crossed the high watermark ({@code HIGH}) or fell back to the low one ({@code NORMAL}). */
  record MemoryPressure(String deviceId, MemoryStats.Pressure pressure, long usedBytes, long budgetBytes)
      implements MemoryEvent {}

  /** A request was refused; {@code retryable} is false when it can never fit this device. */
  record AllocationRejected(String deviceId, String owner, long requestedBytes, String reason, boolean retryable)
      implements MemoryEvent {}

  /**
   * {@code owner} ended still holding {@code what} ({@code buffers} or {@code reservation}); it was
   * reclaimed. {@code takenAt} is the requester's stack where it was recorded, else empty.
   */
  record LeakDetected(String deviceId, String owner, String what, long bytes, long ageMillis, String takenAt)
      implements MemoryEvent {}

  /**
   * The memory manager failed and restarted ({@code restarts} so far): {@code owner} lost {@code what}
   * it held ({@code buffers}, {@code reservation} or {@code models in use}), {@code bytes} of it, all freed.
   */
  record LeasesReclaimed(String deviceId, String owner, String what, long bytes, int restarts) implements MemoryEvent {}

  /** The periodic and on-change snapshot. */
  record MemoryReported(MemoryStats stats) implements MemoryEvent {
    @Override
    public String deviceId() {
      return stats.deviceId();
    }
  }
}

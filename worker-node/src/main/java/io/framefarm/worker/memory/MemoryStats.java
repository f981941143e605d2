package io.framefarm.worker.memory;

import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import java.util.List;

/**
 * A read-only snapshot of one device's memory, as its memory manager saw it at {@code takenAtEpochMillis}.
 *
 * <p>{@code usedBytes = modelBytes + poolBytes + otherBytes}; {@code poolBytes} counts idle and leased
 * buffers, {@code poolLeasedBytes} the leased ones. Counters only grow: {@code loads}/{@code evictions},
 * model {@code hits}/{@code misses} per model requested, {@code poolHits}/{@code poolMisses} per buffer
 * lent, {@code poolBuffersFreed}, {@code leaks}. {@code deviceFreeBytes} is what the device itself
 * reports, other processes included. Above {@code highWatermarkBytes} the manager cleans up at once, down to
 * {@code lowWatermarkBytes}.
 */
public record MemoryStats(
    String deviceId,
    long takenAtEpochMillis,
    long budgetBytes,
    long usedBytes,
    long freeBytes,
    long peakBytes,
    long modelBytes,
    long poolBytes,
    long poolLeasedBytes,
    long otherBytes,
    List<ResidentModel> models,
    long loads,
    long evictions,
    long hits,
    long misses,
    long poolHits,
    long poolMisses,
    long poolBuffersFreed,
    long leaks,
    Pressure pressure,
    long deviceTotalBytes,
    long deviceFreeBytes,
    long highWatermarkBytes,
    long lowWatermarkBytes) implements NoSerializationVerificationNeeded {

  public enum Pressure { NORMAL, HIGH }

  /** A resident model; {@code users} is the number of owners using it now, {@code pins} its pin count. */
  public record ResidentModel(String modelId, long bytes, long lastUsedEpochMillis, int pins, int users) {}

  public MemoryStats {
    models = List.copyOf(models);
  }

  /** True when no owner holds anything: no reservation, no lease, no model in use. */
  public boolean nothingHeld() {
    return otherBytes == 0 && poolLeasedBytes == 0 && models.stream().allMatch(m -> m.users() == 0);
  }
}

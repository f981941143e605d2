package io.framefarm.worker.memory;

import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.DeviceAllocation;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/** A host-like device that remembers how much was allocated on it at most, and refuses to overcommit. */
final class RecordingDevice implements Device {

  private final long totalBytes;
  private long allocatedBytes;
  private long peakBytes;
  private long allocations;
  private int failAfter = -1;

  RecordingDevice(long totalBytes) {
    this.totalBytes = totalBytes;
  }

  @Override
  public String id() {
    return "test:0";
  }

  @Override
  public String name() {
    return "recording device";
  }

  @Override
  public Kind kind() {
    return Kind.HOST;
  }

  @Override
  public long totalBytes() {
    return totalBytes;
  }

  @Override
  public synchronized long freeBytes() {
    return totalBytes - allocatedBytes;
  }

  /** Lets {@code successes} more allocations through, then fails one, as a driver out of memory would. */
  synchronized void failAllocationAfter(int successes) {
    failAfter = successes;
  }

  @Override
  public synchronized DeviceAllocation allocate(long bytes) {
    if (failAfter == 0) {
      failAfter = -1;
      throw new IllegalStateException("device out of memory (simulated)");
    }
    if (failAfter > 0) {
      failAfter--;
    }
    if (bytes > totalBytes - allocatedBytes) {
      throw new IllegalStateException("overcommitted: " + bytes + " more with " + allocatedBytes + " of " + totalBytes);
    }
    allocatedBytes += bytes;
    allocations++;
    peakBytes = Math.max(peakBytes, allocatedBytes);
    ByteBuffer buffer = ByteBuffer.allocate((int) bytes);
    AtomicBoolean closed = new AtomicBoolean();
    return new DeviceAllocation() {
      @Override
      public long bytes() {
        return bytes;
      }

      @Override
      public boolean hostAddressable() {
        return true;
      }

      @Override
      public ByteBuffer buffer() {
        return buffer;
      }

      @Override
      public boolean isClosed() {
        return closed.get();
      }

      @Override
      public void close() {
        if (closed.compareAndSet(false, true)) {
          freed(bytes);
        }
      }
    };
  }

  private synchronized void freed(long bytes) {
    allocatedBytes -= bytes;
  }

  synchronized long allocatedBytes() {
    return allocatedBytes;
  }

  synchronized long peakBytes() {
    return peakBytes;
  }

  synchronized long allocations() {
    return allocations;
  }

  @Override
  public void close() {}
}

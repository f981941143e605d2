package io.framefarm.worker.device;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A device that does no work: each frame of a chunk holds it for a set time ({@link #frameTime()}), on a timer, using
 * no CPU. For capacity planning and benchmarks of what is left to measure: scheduling, segment transfer and
 * bookkeeping. Its slot receives the chunk's segment as any other and returns the input frames as its result.
 *
 * <p>Memory is accounted against a budget, as on a host slot, but nothing is allocated: its allocations are not
 * host addressable. It is its own {@link Kind} so that reports, metrics and the dashboard never count it as real
 * capacity.
 */
public final class SimulatedDevice implements Device {

  private final String id;
  private final DeviceBudget budget;
  private final Duration frameTime;

  public SimulatedDevice(int index, long budgetBytes, Duration frameTime) {
    if (index < 0) {
      throw new IllegalArgumentException("simulated device index must be >= 0, was " + index);
    }
    if (budgetBytes <= 0) {
      throw new IllegalArgumentException("simulated device budget must be positive, was " + budgetBytes);
    }
    if (frameTime.isNegative()) {
      throw new IllegalArgumentException("simulated frame time must not be negative, was " + frameTime);
    }
    this.id = "sim:" + index;
    this.budget = new DeviceBudget(id, budgetBytes);
    this.frameTime = frameTime;
  }

  /** How long each frame of a chunk holds the device. */
  public Duration frameTime() {
    return frameTime;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String name() {
    return "simulated device (" + frameTime.toMillis() + " ms/frame, " + MemorySize.format(budget.budgetBytes()) + ")";
  }

  @Override
  public Kind kind() {
    return Kind.SIMULATED;
  }

  @Override
  public long totalBytes() {
    return budget.budgetBytes();
  }

  @Override
  public long freeBytes() {
    return budget.freeBytes();
  }

  @Override
  public DeviceAllocation allocate(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException(id + ": an allocation holds at least 1 byte, asked for " + bytes);
    }
    budget.take(bytes);
    return new SimulatedAllocation(bytes);
  }

  @Override
  public void close() {
    budget.close();
  }

  @Override
  public String toString() {
    return id;
  }

  private final class SimulatedAllocation implements DeviceAllocation {
    private final long bytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    SimulatedAllocation(long bytes) {
      this.bytes = bytes;
    }

    @Override
    public long bytes() {
      return bytes;
    }

    @Override
    public boolean hostAddressable() {
      return false;
    }

    @Override
    public ByteBuffer buffer() {
      throw new UnsupportedOperationException(id + " is simulated: its memory is accounted, not allocated");
    }

    @Override
    public boolean isClosed() {
      return closed.get();
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        budget.giveBack(bytes);
      }
    }
  }
}

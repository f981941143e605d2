package io.framefarm.worker.device;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A host-memory slot with a configured budget, used where there is no GPU.
 *
 * <p>Allocations are direct buffers, accounted against the slot's budget. Their memory goes back to
 * the JVM when the buffer is garbage collected, not at {@link DeviceAllocation#close()}: freeing it
 * eagerly (Unsafe.invokeCleaner) would turn any buffer reference a pipeline kept past its lease
 * into a crash instead of a stale read.
 */
public final class HostDevice implements Device {

  private final String id;
  private final DeviceBudget budget;

  public HostDevice(int slot, long budgetBytes) {
    if (slot < 0) {
      throw new IllegalArgumentException("host slot must be >= 0, was " + slot);
    }
    if (budgetBytes <= 0) {
      throw new IllegalArgumentException("host slot budget must be positive, was " + budgetBytes);
    }
    this.id = "host:" + slot;
    this.budget = new DeviceBudget(id, budgetBytes);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String name() {
    return "host memory slot (" + MemorySize.format(budget.budgetBytes()) + ")";
  }

  @Override
  public Kind kind() {
    return Kind.HOST;
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
    if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          id + ": a host buffer holds 1 to " + Integer.MAX_VALUE + " bytes, asked for " + bytes);
    }
    budget.take(bytes);
    try {
      return new HostAllocation(ByteBuffer.allocateDirect((int) bytes));
    } catch (OutOfMemoryError e) {
      budget.giveBack(bytes); // the JVM's direct memory limit: not this budget's bytes
      throw e;
    }
  }

  long allocatedBytes() {
    return budget.allocatedBytes();
  }

  @Override
  public void close() {
    budget.close();
  }

  @Override
  public String toString() {
    return id;
  }

  private final class HostAllocation implements DeviceAllocation {
    private final ByteBuffer buffer;
    private final AtomicBoolean closed = new AtomicBoolean();

    HostAllocation(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public long bytes() {
      return buffer.capacity();
    }

    @Override
    public boolean hostAddressable() {
      return true;
    }

    @Override
    public ByteBuffer buffer() {
      if (closed.get()) {
        throw new IllegalStateException("allocation of " + buffer.capacity() + " bytes on " + id + " is closed");
      }
      return buffer;
    }

    @Override
    public boolean isClosed() {
      return closed.get();
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        budget.giveBack(buffer.capacity());
      }
    }
  }
}

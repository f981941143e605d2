package io.framefarm.worker.memory;

import io.framefarm.worker.device.DeviceAllocation;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Frame buffers lent to one owner (a chunk) by a device's buffer pool.
 *
 * <p>Close it when the chunk is done: closing is idempotent and only tells the memory manager, which
 * takes the buffers back on its own thread. Once they are back, or reclaimed because the owner ended
 * without closing, {@link #buffer} throws, since the buffers may already hold another chunk's frames.
 */
public final class BufferLease implements AutoCloseable {

  private final long id;
  private final String owner;
  private final String deviceId;
  private final long bytesEach;
  private final List<DeviceAllocation> buffers;
  private final LeakTracker.Trace trace;
  private final Consumer<BufferLease> onClose;
  private final AtomicBoolean closedByHolder = new AtomicBoolean();
  private volatile boolean valid = true;

  BufferLease(long id, String owner, String deviceId, long bytesEach, List<DeviceAllocation> buffers,
      LeakTracker.Trace trace, Consumer<BufferLease> onClose) {
    this.id = id;
    this.owner = owner;
    this.deviceId = deviceId;
    this.bytesEach = bytesEach;
    this.buffers = List.copyOf(buffers);
    this.trace = trace;
    this.onClose = onClose;
  }

  public long id() {
    return id;
  }

  public String owner() {
    return owner;
  }

  public String deviceId() {
    return deviceId;
  }

  public long bytesEach() {
    return bytesEach;
  }

  public int count() {
    return buffers.size();
  }

  public long bytes() {
    return bytesEach * buffers.size();
  }

  /**
   * Buffer {@code index}, cleared when the lease was granted.
   *
   * @throws IllegalStateException once the lease is back with the pool
   * @throws UnsupportedOperationException for device memory the host cannot address
   */
  public ByteBuffer buffer(int index) {
    if (!valid) {
      throw new IllegalStateException("lease " + id + " of " + owner + " on " + deviceId
          + " was returned or reclaimed; its buffers may hold another chunk's frames now");
    }
    return buffers.get(index).buffer();
  }

  public boolean isValid() {
    return valid;
  }

  /** Gives the buffers back to the memory manager. Idempotent; safe from any thread. */
  @Override
  public void close() {
    if (closedByHolder.compareAndSet(false, true) && valid) {
      onClose.accept(this);
    }
  }

  @Override
  public String toString() {
    return "BufferLease[" + id + " of " + owner + " on " + deviceId + ": " + buffers.size() + " x " + bytesEach
        + " bytes]";
  }

  List<DeviceAllocation> allocations() {
    return buffers;
  }

  LeakTracker.Trace trace() {
    return trace;
  }

  /** The pool has the buffers back; returns whether the holder had closed the lease first. */
  boolean invalidate() {
    valid = false;
    return !closedByHolder.compareAndSet(false, true);
  }
}

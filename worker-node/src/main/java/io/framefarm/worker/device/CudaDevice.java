package io.framefarm.worker.device;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One GPU through the CUDA driver API.
 *
 * <p>It uses the device's primary context, the one the CUDA runtime and so ONNX Runtime's CUDA
 * provider use, rather than a context of its own from {@code cuCtxCreate}: a second context on the
 * same GPU costs hundreds of MiB and would make {@code cuMemGetInfo} describe memory the models do
 * not live in. The context is bound before every call because Pekko may run the memory manager on
 * any dispatcher thread, and a CUDA context is current per thread.
 */
public final class CudaDevice implements Device {

  private final CudaDriver driver;
  private final int ordinal;
  private final String name;
  private final long totalBytes;
  private final long context;
  private final AtomicBoolean closed = new AtomicBoolean();

  private CudaDevice(CudaDriver driver, int ordinal, String name, long totalBytes, long context) {
    this.driver = driver;
    this.ordinal = ordinal;
    this.name = name;
    this.totalBytes = totalBytes;
    this.context = context;
  }

  /** Opens GPU {@code ordinal}; the driver must be initialised. */
  public static CudaDevice open(CudaDriver driver, int ordinal) {
    String name = driver.deviceName(ordinal);
    long total = driver.deviceTotalBytes(ordinal);
    long context = driver.retainContext(ordinal);
    return new CudaDevice(driver, ordinal, name, total, context);
  }

  public int ordinal() {
    return ordinal;
  }

  @Override
  public String id() {
    return "cuda:" + ordinal;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Kind kind() {
    return Kind.CUDA;
  }

  @Override
  public long totalBytes() {
    return totalBytes;
  }

  @Override
  public long freeBytes() {
    bind();
    return driver.memoryInfo().freeBytes();
  }

  @Override
  public DeviceAllocation allocate(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException(id() + ": allocation must be positive, asked for " + bytes);
    }
    bind();
    return new CudaAllocation(driver.allocate(bytes), bytes);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      driver.releaseContext(ordinal);
    }
  }

  @Override
  public String toString() {
    return id();
  }

  private void bind() {
    if (closed.get()) {
      throw new IllegalStateException(id() + " is closed");
    }
    driver.setCurrentContext(context);
  }

  private final class CudaAllocation implements DeviceAllocation {
    private final long pointer;
    private final long bytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    CudaAllocation(long pointer, long bytes) {
      this.pointer = pointer;
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
      throw new UnsupportedOperationException(bytes + " bytes on " + id()
          + " are device memory, not addressable from the host");
    }

    @Override
    public boolean isClosed() {
      return closed.get();
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        bind();
        driver.free(pointer);
      }
    }
  }
}

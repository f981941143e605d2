package io.framefarm.worker.device;

import java.nio.ByteBuffer;

/** A block of device memory. Whoever allocated it closes it; closing twice is harmless. */
public interface DeviceAllocation extends AutoCloseable {

  long bytes();

  /** Whether {@link #buffer()} can be called: host memory can, CUDA device memory cannot. */
  boolean hostAddressable();

  /**
   * The memory as a direct buffer.
   *
   * @throws UnsupportedOperationException on device memory that the host cannot address
   * @throws IllegalStateException once closed
   */
  ByteBuffer buffer();

  boolean isClosed();

  @Override
  void close();
}

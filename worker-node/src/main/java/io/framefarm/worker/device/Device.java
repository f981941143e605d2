package io.framefarm.worker.device;

/**
 * Memory a worker can run models on: one GPU, one host slot, or a simulated device.
 *
 * <p>Only the device's memory manager allocates on it, one command at a time, so implementations
 * need not be thread-safe beyond what that actor's message ordering gives them.
 */
public interface Device extends AutoCloseable {

  /** {@code SIMULATED}: a device that only holds time per frame, for capacity planning ({@link SimulatedDevice}). */
  enum Kind { CUDA, HOST, SIMULATED }

  /** Stable name used in logs, reports and the scheduler: {@code cuda:0}, {@code host:1}. */
  String id();

  /** What the hardware calls itself, for people. */
  String name();

  Kind kind();

  long totalBytes();

  /** Free memory as the device itself sees it (on CUDA, {@code cuMemGetInfo}), including other processes' use. */
  long freeBytes();

  /** Allocates {@code bytes} on the device; closing the allocation frees it. */
  DeviceAllocation allocate(long bytes);

  /** Releases the device; allocations still open are the caller's leak. Idempotent. */
  @Override
  void close();
}

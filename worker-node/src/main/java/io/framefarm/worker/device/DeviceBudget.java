package io.framefarm.worker.device;

/**
 * The bytes a device without a driver to ask (a host slot, a simulated device) has handed out against its budget,
 * and whether it is closed. Thread-safe: allocations are taken on the memory manager's thread and given back by
 * whichever thread closes them.
 */
final class DeviceBudget {
  private final String deviceId;
  private final long budgetBytes;
  private long allocatedBytes;
  private boolean closed;

  DeviceBudget(String deviceId, long budgetBytes) {
    this.deviceId = deviceId;
    this.budgetBytes = budgetBytes;
  }

  long budgetBytes() {
    return budgetBytes;
  }

  synchronized long freeBytes() {
    return budgetBytes - allocatedBytes;
  }

  synchronized long allocatedBytes() {
    return allocatedBytes;
  }

  /** Counts {@code bytes} as allocated, or throws, naming the device, when it is closed or they do not fit. */
  synchronized void take(long bytes) {
    if (closed) {
      throw new IllegalStateException(deviceId + " is closed");
    }
    if (bytes > budgetBytes - allocatedBytes) {
      throw new IllegalStateException(deviceId + ": allocating " + MemorySize.format(bytes)
          + " would exceed its budget of " + MemorySize.format(budgetBytes) + " (" + MemorySize.format(allocatedBytes)
          + " allocated)");
    }
    allocatedBytes += bytes;
  }

  synchronized void giveBack(long bytes) {
    allocatedBytes -= bytes;
  }

  synchronized void close() {
    closed = true;
  }
}

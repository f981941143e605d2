package io.framefarm.worker.memory;

/** Failures to inject into memory managers, for tests in other packages and modules (the worker-node test jar). */
public final class MemoryFaults {
  private MemoryFaults() {}

  /** A command that fails the manager that receives it, as a bug in its books would. */
  public static MemoryManager.Command crash(String reason) {
    return new MemoryManager.Crash(reason);
  }
}

package io.framefarm.worker.memory;

/**
 * A model in memory (an ONNX Runtime session with its options, in production).
 *
 * <p>The memory manager that loaded it is the only one to close it, on its own thread, when it is
 * evicted or the manager stops; holders of a {@link ModelHandle} never close it.
 */
public interface LoadedModel extends AutoCloseable {

  /** Memory it occupies on the device, as measured at load. */
  long bytes();

  /** Frees its native memory. Exceptions are logged by the memory manager, never rethrown. */
  @Override
  void close();
}

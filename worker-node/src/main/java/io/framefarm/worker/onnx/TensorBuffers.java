package io.framefarm.worker.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Direct buffers for the tensors of {@link ImageTensorRunner}, kept after a chunk for the next one of the same size.
 * A runner lives for one chunk; left to the garbage collector, its buffers (about 8 MiB for the text detector's input
 * and output) stay in memory until the JVM's next GC, which a large heap with little garbage puts off for dozens of
 * chunks: in one 10-minute run of figure 6 (docs/BENCHMARKS.md) 95 MiB of them. Freeing them at once instead
 * (Unsafe.invokeCleaner) would turn any reference kept past the chunk into a crash; a kept buffer is only reused.
 * At most {@link #KEEP_BYTES} are kept, whatever the sizes. Thread-safe.
 */
final class TensorBuffers {
  static final long KEEP_BYTES = 64L << 20;

  private static final Map<Integer, Deque<ByteBuffer>> FREE = new HashMap<>();
  private static long keptBytes;

  private TensorBuffers() {}

  /** A direct buffer of {@code bytes} in native order, cleared: a kept one if there is one, else a new one. */
  static synchronized ByteBuffer take(int bytes) {
    Deque<ByteBuffer> kept = FREE.get(bytes);
    if (kept != null && !kept.isEmpty()) {
      keptBytes -= bytes;
      return kept.pop().clear();
    }
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }

  /** Keeps {@code buffer} for the next {@link #take} of its size, unless that would keep more than the cap. */
  static synchronized void give(ByteBuffer buffer) {
    int bytes = buffer.capacity();
    if (keptBytes + bytes > KEEP_BYTES) {
      return; // the collector frees it
    }
    FREE.computeIfAbsent(bytes, b -> new ArrayDeque<>()).push(buffer);
    keptBytes += bytes;
  }

  static synchronized long keptBytes() {
    return keptBytes;
  }
}

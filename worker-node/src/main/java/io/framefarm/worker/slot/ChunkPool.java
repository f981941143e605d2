package io.framefarm.worker.slot;

import com.typesafe.config.Config;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that process chunks: decode, run the pipeline, encode, and block on asks to the device's
 * memory manager (which has a pinned thread of its own, never one of these).
 *
 * <p>Sized from the number of slots, which is known only once the node has discovered its devices:
 * each slot processes one chunk at a time, so with {@code threads-per-slot = 1} no chunk ever waits
 * for another slot's thread, and no thread is left idle.
 */
public final class ChunkPool {
  private ChunkPool() {}

  /** A fixed pool for {@code slots} slots, from {@code framefarm.worker.chunk-pool}. */
  public static ExecutorService create(int slots, Config chunkPool) {
    int threads = Math.max(1, slots * chunkPool.getInt("threads-per-slot"));
    String prefix = chunkPool.getString("thread-name-prefix");
    AtomicInteger next = new AtomicInteger();
    ThreadFactory factory = runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + next.incrementAndGet());
      thread.setDaemon(true); // a stuck codec must not keep the JVM alive after the actor system stopped
      return thread;
    };
    return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
  }
}

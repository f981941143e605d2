package io.framefarm.bench;

import com.typesafe.config.ConfigFactory;
import io.framefarm.media.PixelLayout;
import io.framefarm.media.VideoFrame;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.BufferLease;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.MemoryStats;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Pool hit rate on a steady frame stream: each of {@code slots} threads runs {@code chunks} chunks the
 * way a worker slot does (lease one 1280x720 YUV420P frame buffer, report 240 frames in batches of 25,
 * close the lease, finish the owner), then the manager's counters are read.
 *
 * <p>Usage: {@code PoolHitRate [chunks=200] [slots=1,2] [budgetMiB=1024]}.
 */
public final class PoolHitRate {
  private static final long FRAME_BYTES = VideoFrame.byteSize(1280, 720, PixelLayout.YUV420P);
  private static final int FRAMES_PER_CHUNK = 240;
  private static final int FRAME_BATCH = 25; // as the worker's ChunkMemory reports frames
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  public static void main(String[] args) throws Exception {
    int chunks = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    List<Integer> slotCounts = args.length > 1 ? List.of(args[1].split(",")).stream().map(Integer::parseInt).toList()
        : List.of(1, 2);
    long budget = (args.length > 2 ? Long.parseLong(args[2]) : 1024) << 20;
    System.out.printf("frame buffer %d bytes, %d frames per chunk, budget %d MiB%n", FRAME_BYTES, FRAMES_PER_CHUNK,
        budget >> 20);
    System.out.println("| slots | chunks | leases | pool hits | pool misses (buffers allocated) | hit rate"
        + " | buffers freed | JVM direct buffers created | leased at end | ms |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (int slots : slotCounts) {
      run(slots, chunks, budget);
    }
  }

  private static void run(int slots, int chunks, long budget) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "pool-bench", ConfigFactory.parseString(
        "pekko.actor.provider = local\npekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
    try {
      ActorRef<MemoryEvent> events = system.systemActorOf(Behaviors.ignore(), "memory-events", Props.empty());
      ActorRef<MemoryManager.Command> manager = system.systemActorOf(MemoryManager.create(new HostDevice(0, budget),
          MemoryConfig.defaults(Device.Kind.HOST), spec -> { throw new IllegalStateException("no models"); }, events),
          "memory-manager", Props.empty());
      long directBefore = directBufferCount();
      long started = System.nanoTime();
      List<CompletableFuture<Void>> running = new ArrayList<>();
      for (int s = 0; s < slots; s++) {
        int slot = s;
        running.add(CompletableFuture.runAsync(() -> runChunks(system, manager, slot, chunks)));
      }
      running.forEach(CompletableFuture::join);
      MemoryStats stats = AskPattern.<MemoryManager.Command, MemoryStats>ask(manager, MemoryManager.GetStats::new,
          TIMEOUT, system.scheduler()).toCompletableFuture().join();
      long millis = (System.nanoTime() - started) / 1_000_000;
      long leases = stats.poolHits() + stats.poolMisses();
      System.out.printf("| %d | %d | %d | %d | %d | %.2f%% | %d | %d | %d B | %d |%n", slots, slots * chunks, leases,
          stats.poolHits(), stats.poolMisses(), 100.0 * stats.poolHits() / leases, stats.poolBuffersFreed(),
          directBufferCount() - directBefore, stats.poolLeasedBytes(), millis);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
  }

  private static void runChunks(ActorSystem<Void> system, ActorRef<MemoryManager.Command> manager, int slot,
      int chunks) {
    for (int c = 0; c < chunks; c++) {
      String owner = "job-1/chunk-" + slot + "-" + c;
      MemoryManager.LeaseReply reply = AskPattern.<MemoryManager.Command, MemoryManager.LeaseReply>ask(manager,
          replyTo -> new MemoryManager.LeaseBuffers(owner, FRAME_BYTES, 1, replyTo), TIMEOUT, system.scheduler())
          .toCompletableFuture().join();
      if (!(reply instanceof MemoryManager.BuffersLeased leased)) {
        throw new IllegalStateException("lease refused: " + reply);
      }
      try (BufferLease lease = leased.lease()) {
        lease.buffer(0).put(0, (byte) c); // the chunk writes its frames into the buffer
        for (int done = 0; done < FRAMES_PER_CHUNK; done += FRAME_BATCH) {
          manager.tell(new MemoryManager.FramesProcessed(owner, Math.min(FRAME_BATCH, FRAMES_PER_CHUNK - done)));
        }
      }
      manager.tell(new MemoryManager.OwnerFinished(owner));
    }
  }

  private static long directBufferCount() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getCount).sum();
  }
}

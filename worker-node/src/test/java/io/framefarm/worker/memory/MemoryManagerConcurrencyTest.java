package io.framefarm.worker.memory;

import static io.framefarm.worker.memory.FakeModels.primary;
import static io.framefarm.worker.memory.FakeModels.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.worker.device.Device;
import io.framefarm.worker.memory.MemoryManager.AcquireModels;
import io.framefarm.worker.memory.MemoryManager.BuffersLeased;
import io.framefarm.worker.memory.MemoryManager.FramesProcessed;
import io.framefarm.worker.memory.MemoryManager.GetStats;
import io.framefarm.worker.memory.MemoryManager.LeaseBuffers;
import io.framefarm.worker.memory.MemoryManager.LoadPrimaryModels;
import io.framefarm.worker.memory.MemoryManager.ModelsAcquired;
import io.framefarm.worker.memory.MemoryManager.OwnerFinished;
import io.framefarm.worker.memory.MemoryManager.Release;
import io.framefarm.worker.memory.MemoryManager.Reserve;
import io.framefarm.worker.memory.MemoryManager.Reserved;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many chunks at once against one device: the budget holds, and everything comes back. */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MemoryManagerConcurrencyTest {

  private static final long BUDGET = 48 * 1024;
  private static final int THREADS = 8;
  private static final int CHUNKS_PER_THREAD = 60;
  private static final Duration ASK = Duration.ofSeconds(5);
  private static final List<ModelSpec> SECONDARY = List.of(spec("m1", 4 * 1024), spec("m2", 6 * 1024),
      spec("m3", 8 * 1024), spec("m4", 10 * 1024), spec("m5", 12 * 1024), spec("m6", 5 * 1024));

  @JUnit5TestKit
  public final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Test
  void neverExceedsTheBudgetUnderManyConcurrentOwners() throws Exception {
    // room past the budget, so an overshoot is seen, not thrown
    RecordingDevice device = new RecordingDevice(64 * 1024);
    FakeModels loader = new FakeModels(device);
    MemoryConfig config = MemoryConfig.defaults(Device.Kind.HOST).withBudgetBytes(BUDGET)
        .withCleanup(50, Duration.ofHours(1))
        .withTrackingLevel(TrackingLevel.SAMPLED);
    ActorRef<MemoryManager.Command> manager = testKit.spawn(MemoryManager.create(device, config, loader,
        testKit.system().ignoreRef()));
    MemoryManager.ModelsReply primaries = AskPattern.<MemoryManager.Command, MemoryManager.ModelsReply>ask(manager,
        replyTo -> new LoadPrimaryModels(List.of(primary("detector", 6 * 1024)), replyTo), ASK, testKit.scheduler())
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(primaries).isInstanceOf(ModelsAcquired.class);

    AtomicInteger granted = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    AtomicInteger leaked = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    try {
      List<CompletableFuture<Void>> runs = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        runs.add(CompletableFuture.runAsync(() -> {
          Random random = new Random(thread);
          for (int c = 0; c < CHUNKS_PER_THREAD; c++) {
            runChunk(manager, "chunk-" + thread + "-" + c, random, granted, rejected, leaked);
          }
        }, threads));
      }
      CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      threads.shutdownNow();
    }

    MemoryStats end = AskPattern.<MemoryManager.Command,
        MemoryStats>ask(manager, GetStats::new, ASK, testKit.scheduler())
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(granted.get()).as("chunks that ran").isPositive();
    assertThat(rejected.get()).as("contention was real").isPositive();
    assertThat(end.peakBytes()).isLessThanOrEqualTo(BUDGET);
    assertThat(device.peakBytes()).isLessThanOrEqualTo(BUDGET);
    assertThat(end.evictions()).isPositive();
    assertThat(end.leaks()).isEqualTo(leaked.get());
    assertThat(end.nothingHeld()).as("nothing held in %s", end).isTrue();
    assertThat(end.models()).filteredOn(m -> m.modelId().equals("detector")).singleElement()
        .extracting(MemoryStats.ResidentModel::pins)
        .isEqualTo(1);
    testKit.stop(manager);
    assertThat(device.allocatedBytes()).isZero();
    assertThat(loader.allClosed()).isTrue();
  }

  // One chunk: its models, a lease of frame buffers, some working memory, frames; then it ends, sometimes
  // without giving its lease back (a leak the manager must reclaim).
  private void runChunk(ActorRef<MemoryManager.Command> manager, String owner, Random random, AtomicInteger granted,
      AtomicInteger rejected, AtomicInteger leaked) {
    try {
      List<ModelSpec> wanted = List.of(SECONDARY.get(random.nextInt(SECONDARY.size())),
          SECONDARY.get(random.nextInt(SECONDARY.size())));
      MemoryManager.ModelsReply models = AskPattern.<MemoryManager.Command, MemoryManager.ModelsReply>ask(manager,
          replyTo -> new AcquireModels(owner, wanted, replyTo), ASK, testKit.scheduler()).toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
      if (!(models instanceof ModelsAcquired)) {
        rejected.incrementAndGet();
        return;
      }
      MemoryManager.LeaseReply lease = AskPattern.<MemoryManager.Command, MemoryManager.LeaseReply>ask(manager,
          replyTo -> new LeaseBuffers(owner, 1024L * (1 + random.nextInt(3)), 1 + random.nextInt(4), replyTo), ASK,
          testKit.scheduler()).toCompletableFuture().get(5, TimeUnit.SECONDS);
      MemoryManager.ReserveReply reserved = AskPattern.<MemoryManager.Command, MemoryManager.ReserveReply>ask(manager,
          replyTo -> new Reserve(owner, 512L * (1 + random.nextInt(4)), replyTo), ASK, testKit.scheduler())
          .toCompletableFuture().get(5, TimeUnit.SECONDS);
      if (!(lease instanceof BuffersLeased) || !(reserved instanceof Reserved)) {
        rejected.incrementAndGet();
      } else {
        granted.incrementAndGet();
      }
      manager.tell(new FramesProcessed(owner, 10));
      if (reserved instanceof Reserved r) {
        if (random.nextBoolean()) {
          manager.tell(new Release(owner, r.bytes()));
        } else {
          leaked.incrementAndGet(); // a reservation still held at the end is reported as leaked too
        }
      }
      if (lease instanceof BuffersLeased leased) {
        if (random.nextInt(5) == 0) {
          leaked.incrementAndGet();
        } else {
          leased.lease().close();
        }
      }
    } catch (Exception e) {
      throw new AssertionError(owner + " did not get an answer", e);
    } finally {
      manager.tell(new OwnerFinished(owner));
    }
  }
}

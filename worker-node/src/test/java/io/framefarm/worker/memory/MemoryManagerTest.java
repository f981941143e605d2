package io.framefarm.worker.memory;

import static io.framefarm.worker.device.MemorySize.format;
import static io.framefarm.worker.memory.FakeModels.primary;
import static io.framefarm.worker.memory.FakeModels.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.framefarm.worker.device.Device;
import io.framefarm.worker.memory.MemoryEvent.AllocationRejected;
import io.framefarm.worker.memory.MemoryEvent.LeakDetected;
import io.framefarm.worker.memory.MemoryEvent.MemoryPressure;
import io.framefarm.worker.memory.MemoryEvent.MemoryReported;
import io.framefarm.worker.memory.MemoryEvent.ModelEvicted;
import io.framefarm.worker.memory.MemoryManager.AcquireModels;
import io.framefarm.worker.memory.MemoryManager.BuffersLeased;
import io.framefarm.worker.memory.MemoryManager.FramesProcessed;
import io.framefarm.worker.memory.MemoryManager.GetStats;
import io.framefarm.worker.memory.MemoryManager.LeaseBuffers;
import io.framefarm.worker.memory.MemoryManager.LoadPrimaryModels;
import io.framefarm.worker.memory.MemoryManager.ModelsAcquired;
import io.framefarm.worker.memory.MemoryManager.OwnerFinished;
import io.framefarm.worker.memory.MemoryManager.Rejected;
import io.framefarm.worker.memory.MemoryManager.Release;
import io.framefarm.worker.memory.MemoryManager.ReleaseModels;
import io.framefarm.worker.memory.MemoryManager.Reserve;
import io.framefarm.worker.memory.MemoryManager.Reserved;
import io.framefarm.worker.memory.MemoryManager.ReturnBuffers;
import io.framefarm.worker.memory.MemoryStats.Pressure;
import io.framefarm.worker.memory.MemoryStats.ResidentModel;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MemoryManagerTest {

  private static final long BUDGET = 10_000;
  private static final MemoryConfig CONFIG = MemoryConfig.defaults(Device.Kind.HOST).withBudgetBytes(BUDGET)
      .withCleanup(100, Duration.ofSeconds(30)).withTrackingLevel(TrackingLevel.FULL);

  @JUnit5TestKit
  public final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private ManualTime time;
  private RecordingDevice device;
  private FakeModels loader;
  private TestProbe<MemoryManager.ModelsReply> models;
  private TestProbe<MemoryManager.LeaseReply> leases;
  private TestProbe<MemoryManager.ReserveReply> reservations;
  private TestProbe<MemoryStats> stats;
  private TestProbe<MemoryEvent> events;
  private ActorRef<MemoryManager.Command> manager;

  @BeforeEach
  void startManager() {
    time = ManualTime.get(testKit.system());
    device = new RecordingDevice(2 * BUDGET);
    loader = new FakeModels(device);
    models = testKit.createTestProbe();
    leases = testKit.createTestProbe();
    reservations = testKit.createTestProbe();
    stats = testKit.createTestProbe();
    events = testKit.createTestProbe();
    manager = testKit.spawn(MemoryManager.create(device, CONFIG, loader, events.ref()));
  }

  @AfterEach
  void nothingIsStillReserved() {
    MemoryStats last = stats();
    assertThat(last.nothingHeld()).as("nothing held in %s", last).isTrue();
    assertThat(last.peakBytes()).isLessThanOrEqualTo(BUDGET);
    assertThat(device.peakBytes()).isLessThanOrEqualTo(BUDGET);
    testKit.stop(manager);
    assertThat(device.allocatedBytes()).as("stopping frees every buffer and model").isZero();
    assertThat(loader.open()).isEmpty();
  }

  @Test
  void keepsPrimaryModelsPinnedWhileEvictingOthers() {
    manager.tell(new LoadPrimaryModels(List.of(primary("detector", 4_000)), models.ref()));
    assertThat(models.expectMessageClass(ModelsAcquired.class).models()).extracting(ModelHandle::modelId)
        .containsExactly("detector");
    acquire("chunk-1", spec("secondary", 3_000));
    manager.tell(new OwnerFinished("chunk-1"));

    acquire("chunk-2", spec("other", 5_000));

    assertThat(expectEvent(ModelEvicted.class).modelId()).isEqualTo("secondary");
    assertThat(stats().models()).extracting(ResidentModel::modelId, ResidentModel::pins)
        .containsExactly(tuple("detector", 1), tuple("other", 0));
    assertThat(loader.loaded().get(1).closed).as("closed by the manager when evicted").isTrue();
    manager.tell(new OwnerFinished("chunk-2"));
  }

  @Test
  void evictsInLeastRecentlyUsedOrderByBytes() {
    for (String id : List.of("a", "b", "c")) {
      acquire("chunk-" + id, spec(id, 2_000));
      manager.tell(new OwnerFinished("chunk-" + id));
    }
    acquire("chunk-a2", spec("a", 2_000));
    manager.tell(new ReleaseModels("chunk-a2"));

    acquire("chunk-d", spec("d", 5_000));
    assertThat(expectEvent(ModelEvicted.class).modelId()).as("1000 bytes short: b alone frees enough").isEqualTo("b");
    manager.tell(new OwnerFinished("chunk-d"));

    acquire("chunk-e", spec("e", 4_000));
    assertThat(List.of(expectEvent(ModelEvicted.class).modelId(), expectEvent(ModelEvicted.class).modelId()))
        .containsExactly("c", "a");
    assertThat(stats().models()).extracting(ResidentModel::modelId).containsExactly("d", "e");
    manager.tell(new OwnerFinished("chunk-e"));
  }

  @Test
  void neverEvictsAModelInUseAndSaysTheRequestMayBeRetried() {
    acquire("chunk-1", spec("a", 6_000));

    manager.tell(new AcquireModels("chunk-2", List.of(spec("b", 6_000)), models.ref()));

    Rejected rejected = models.expectMessageClass(Rejected.class);
    assertThat(rejected.retryable()).isTrue();
    assertThat(rejected.reason()).contains("models in use " + format(6_000));
    assertThat(expectEvent(AllocationRejected.class).owner()).isEqualTo("chunk-2");
    manager.tell(new OwnerFinished("chunk-1"));
    acquire("chunk-2", spec("b", 6_000));
    assertThat(expectEvent(ModelEvicted.class).modelId()).isEqualTo("a");
    manager.tell(new OwnerFinished("chunk-2"));
  }

  @Test
  void rejectsAtOnceWhatCanNeverFitWithTheSizes() {
    manager.tell(new AcquireModels("chunk-1", List.of(spec("huge", 12_000)), models.ref()));
    Rejected rejected = models.expectMessageClass(Rejected.class);
    assertThat(rejected).isEqualTo(new Rejected("chunk-1", 12_000, rejected.reason(), false));
    assertThat(rejected.reason()).contains("huge (" + format(12_000) + ")", "budget is " + format(BUDGET),
        "can never fit");

    manager.tell(new LeaseBuffers("chunk-1", 4_000, 3, leases.ref()));
    assertThat(leases.expectMessageClass(Rejected.class).reason()).contains("3 buffer(s) of " + format(4_000),
        "can never fit");

    manager.tell(new Reserve("chunk-1", 10_001, reservations.ref()));
    assertThat(reservations.expectMessageClass(Rejected.class).retryable()).isFalse();
    assertThat(loader.loaded()).isEmpty();
    assertThat(device.allocations()).isZero();
  }

  @Test
  void reclaimsAndReportsALeakedLease() {
    manager.tell(new LeaseBuffers("chunk-7", 1_000, 2, leases.ref(), LeaseSites.of(CONFIG.trackingLevel())));
    BufferLease lease = leases.expectMessageClass(BuffersLeased.class).lease();
    lease.buffer(0).putLong(1L);

    manager.tell(new OwnerFinished("chunk-7"));

    LeakDetected leak = expectEvent(LeakDetected.class);
    assertThat(leak.owner()).isEqualTo("chunk-7");
    assertThat(leak.what()).isEqualTo("buffers");
    assertThat(leak.bytes()).isEqualTo(2_000);
    assertThat(leak.ageMillis()).isNotNegative();
    assertThat(leak.takenAt()).contains("MemoryManagerTest.reclaimsAndReportsALeakedLease");
    assertThat(stats().leaks()).isEqualTo(1);
    assertThatThrownBy(() -> lease.buffer(0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void takesBackAClosedLeaseAndLendsItsBuffersAgain() {
    manager.tell(new LeaseBuffers("chunk-1", 1_000, 3, leases.ref()));
    try (BufferLease lease = leases.expectMessageClass(BuffersLeased.class).lease()) {
      assertThat(lease.count()).isEqualTo(3);
    }
    manager.tell(new OwnerFinished("chunk-1"));
    manager.tell(new LeaseBuffers("chunk-2", 1_000, 3, leases.ref()));
    BufferLease again = leases.expectMessageClass(BuffersLeased.class).lease();
    manager.tell(new ReturnBuffers(again));

    MemoryStats now = stats();
    assertThat(now.poolHits()).isEqualTo(3);
    assertThat(now.poolMisses()).isEqualTo(3);
    assertThat(now.leaks()).as("closed before its owner finished").isZero();
    assertThat(device.allocations()).isEqualTo(3);
    manager.tell(new OwnerFinished("chunk-2"));
  }

  @Test
  void reportsPressureAboveTheHighWatermarkAndItsEnd() {
    manager.tell(new Reserve("chunk-1", 9_500, reservations.ref()));
    reservations.expectMessage(new Reserved("chunk-1", 9_500));
    assertThat(expectEvent(MemoryPressure.class)).isEqualTo(new MemoryPressure("test:0", Pressure.HIGH, 9_500, BUDGET));

    manager.tell(new Release("chunk-1", 9_500));

    assertThat(expectEvent(MemoryPressure.class)).isEqualTo(new MemoryPressure("test:0", Pressure.NORMAL, 0, BUDGET));
  }

  @Test
  void cleansUpAtOnceAboveTheHighWatermark() {
    leaseAndReturn("chunk-1", 1_000, 5);
    acquire("chunk-1", spec("a", 3_000));
    manager.tell(new OwnerFinished("chunk-1"));

    manager.tell(new Reserve("chunk-2", 1_500, reservations.ref()));

    reservations.expectMessageClass(Reserved.class);
    assertThat(expectEvent(MemoryPressure.class).pressure()).isEqualTo(Pressure.HIGH);
    assertThat(expectEvent(MemoryPressure.class).pressure()).isEqualTo(Pressure.NORMAL);
    MemoryStats now = stats();
    assertThat(now.usedBytes()).as("idle buffers trimmed to the low watermark").isEqualTo(7_500);
    assertThat(now.models()).as("no need to evict").extracting(ResidentModel::modelId).containsExactly("a");
    manager.tell(new OwnerFinished("chunk-2"));
  }

  @Test
  void cleansUpEveryNFrames() {
    leaseAndReturn("chunk-1", 1_000, 8);

    manager.tell(new FramesProcessed("chunk-2", 60));
    assertThat(stats().poolBytes()).isEqualTo(8_000);
    manager.tell(new FramesProcessed("chunk-2", 40));

    assertThat(stats().poolBytes()).isEqualTo(7_000);
  }

  @Test
  void cleansUpOnATimer() {
    leaseAndReturn("chunk-1", 1_000, 8);

    time.timePasses(Duration.ofSeconds(29));
    assertThat(stats().poolBytes()).isEqualTo(8_000);
    time.timePasses(Duration.ofSeconds(1));

    assertThat(stats().poolBytes()).isEqualTo(7_000);
  }

  @Test
  void reportsOnChangeAndAtLeastEveryTwoSeconds() {
    acquire("chunk-1", spec("a", 1_000));
    MemoryStats onChange = expectEvent(MemoryReported.class).stats();
    assertThat(onChange.models()).extracting(ResidentModel::modelId).containsExactly("a");

    time.timePasses(Duration.ofSeconds(2));

    MemoryStats periodic = expectEvent(MemoryReported.class).stats();
    assertThat(periodic.deviceId()).isEqualTo("test:0");
    assertThat(periodic.budgetBytes()).isEqualTo(BUDGET);
    assertThat(periodic.modelBytes()).isEqualTo(1_000);
    manager.tell(new OwnerFinished("chunk-1"));
  }

  @Test
  void ignoresAReleaseOfMoreThanWasReservedAndKeepsServing() {
    manager.tell(new Reserve("chunk-1", 1_000, reservations.ref()));
    reservations.expectMessageClass(Reserved.class);

    manager.tell(new Release("chunk-1", 2_000));

    assertThat(stats().otherBytes()).as("refused, not clamped").isEqualTo(1_000);
    manager.tell(new Release("chunk-1", 1_000));
  }

  private List<ModelHandle> acquire(String owner, ModelSpec... specs) {
    manager.tell(new AcquireModels(owner, List.of(specs), models.ref()));
    return models.expectMessageClass(ModelsAcquired.class).models();
  }

  private void leaseAndReturn(String owner, long bytesEach, int count) {
    manager.tell(new LeaseBuffers(owner, bytesEach, count, leases.ref()));
    leases.expectMessageClass(BuffersLeased.class).lease().close();
    manager.tell(new OwnerFinished(owner));
  }

  private MemoryStats stats() {
    manager.tell(new GetStats(stats.ref()));
    return stats.receiveMessage();
  }

  private <T extends MemoryEvent> T expectEvent(Class<T> type) {
    List<MemoryEvent> seen = events.fishForMessage(Duration.ofSeconds(3), "a " + type.getSimpleName(),
        event -> type.isInstance(event) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return type.cast(seen.get(seen.size() - 1));
  }
}

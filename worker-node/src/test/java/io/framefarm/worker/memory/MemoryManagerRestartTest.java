package io.framefarm.worker.memory;

import static io.framefarm.worker.memory.FakeModels.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.framefarm.worker.device.Device;
import io.framefarm.worker.memory.MemoryEvent.LeasesReclaimed;
import io.framefarm.worker.memory.MemoryManager.AcquireModels;
import io.framefarm.worker.memory.MemoryManager.BuffersLeased;
import io.framefarm.worker.memory.MemoryManager.GetStats;
import io.framefarm.worker.memory.MemoryManager.LeaseBuffers;
import io.framefarm.worker.memory.MemoryManager.ModelsAcquired;
import io.framefarm.worker.memory.MemoryManager.OwnerFinished;
import io.framefarm.worker.memory.MemoryManager.Reserve;
import io.framefarm.worker.memory.MemoryManager.Reserved;
import io.framefarm.worker.memory.MemoryManager.Restarted;
import io.framefarm.worker.memory.MemoryManager.WatchRestarts;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.FishingOutcome;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** A memory manager that fails restarts with empty books, and says what its owners lost. */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MemoryManagerRestartTest {

  private static final long BUDGET = 10_000;
  private static final MemoryConfig CONFIG = MemoryConfig.defaults(Device.Kind.HOST).withBudgetBytes(BUDGET)
      .withTrackingLevel(TrackingLevel.FULL);

  @JUnit5TestKit
  public final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ManualTime.config()).build();

  private RecordingDevice device;
  private FakeModels loader;
  private TestProbe<MemoryManager.ModelsReply> models;
  private TestProbe<MemoryManager.LeaseReply> leases;
  private TestProbe<MemoryManager.ReserveReply> reservations;
  private TestProbe<MemoryStats> stats;
  private TestProbe<MemoryEvent> events;
  private TestProbe<Restarted> restarts;
  private ActorRef<MemoryManager.Command> manager;

  @BeforeEach
  void startManager() {
    device = new RecordingDevice(2 * BUDGET);
    loader = new FakeModels(device);
    models = testKit.createTestProbe();
    leases = testKit.createTestProbe();
    reservations = testKit.createTestProbe();
    stats = testKit.createTestProbe();
    events = testKit.createTestProbe();
    restarts = testKit.createTestProbe();
    manager = testKit.spawn(MemoryManager.create(device, CONFIG, loader, events.ref()));
    manager.tell(new WatchRestarts(restarts.ref()));
  }

  @AfterEach
  void nothingIsStillReserved() {
    MemoryStats last = stats();
    assertThat(last.nothingHeld()).as("nothing held in %s", last).isTrue();
    testKit.stop(manager);
    assertThat(device.allocatedBytes()).as("stopping frees every buffer and model").isZero();
    assertThat(loader.open()).isEmpty();
  }

  @Test
  void aFailedManagerFreesTheDeviceReportsWhatEachOwnerLostAndTellsItsWatchers() {
    manager.tell(new AcquireModels("chunk-1", List.of(spec("detector", 3_000)), models.ref()));
    models.expectMessageClass(ModelsAcquired.class);
    manager.tell(new LeaseBuffers("chunk-1", 1_000, 2, leases.ref()));
    BufferLease lease = leases.expectMessageClass(BuffersLeased.class).lease();
    manager.tell(new Reserve("chunk-2", 500, reservations.ref()));
    reservations.expectMessageClass(Reserved.class);

    LoggingTestKit.warn("reclaimed buffers (2000 bytes) from chunk-1").expect(testKit.system(),
        () -> {
          manager.tell(new MemoryManager.Crash("test"));
          return null;
        });

    Restarted restarted = restarts.expectMessageClass(Restarted.class);
    assertThat(restarted.deviceId()).isEqualTo("test:0");
    assertThat(restarted.restarts()).isEqualTo(1);
    assertThat(restarted.owners()).containsExactlyInAnyOrder("chunk-1", "chunk-2");
    List<LeasesReclaimed> reclaimed = reclaimedEvents(3);
    assertThat(reclaimed).extracting(LeasesReclaimed::owner, LeasesReclaimed::what, LeasesReclaimed::bytes)
        .containsExactlyInAnyOrder(tuple("chunk-1", "models in use", 3_000L), tuple("chunk-1", "buffers", 2_000L),
            tuple("chunk-2", "reservation", 500L));
    assertThat(lease.isValid()).as("the holder can no longer use the reclaimed buffers").isFalse();
    assertThat(device.allocatedBytes()).as("models closed and buffers freed on the way down").isZero();
    assertThat(loader.open()).isEmpty();
    assertThat(stats().nothingHeld()).as("the restarted manager starts with empty books").isTrue();
  }

  @Test
  void theRestartedManagerServesTheSameRefAndOwnersItNoLongerKnowsFinishQuietly() {
    manager.tell(new LeaseBuffers("chunk-1", 1_000, 1, leases.ref()));
    BufferLease old = leases.expectMessageClass(BuffersLeased.class).lease();
    manager.tell(new MemoryManager.Crash("test"));
    restarts.expectMessageClass(Restarted.class);

    old.close(); // a holder that did not hear of the restart yet
    manager.tell(new OwnerFinished("chunk-1"));
    manager.tell(new LeaseBuffers("chunk-2", 1_000, 1, leases.ref()));
    BufferLease fresh = leases.expectMessageClass(BuffersLeased.class).lease();

    assertThat(fresh.isValid()).isTrue();
    assertThat(stats().poolLeasedBytes()).isEqualTo(1_000);
    fresh.close();
    manager.tell(new OwnerFinished("chunk-2"));
  }

  @Test
  void watchersAreToldOfEveryRestart() {
    manager.tell(new MemoryManager.Crash("first"));
    assertThat(restarts.expectMessageClass(Restarted.class).restarts()).isEqualTo(1);
    manager.tell(new MemoryManager.Crash("second"));
    Restarted second = restarts.expectMessageClass(Restarted.class);
    assertThat(second.restarts()).isEqualTo(2);
    assertThat(second.owners()).as("nothing was held").isEmpty();
  }

  private List<LeasesReclaimed> reclaimedEvents(int count) {
    List<MemoryEvent> seen = events.fishForMessage(Duration.ofSeconds(3), count + " LeasesReclaimed",
        new Function<MemoryEvent, FishingOutcome>() {
          int found;

          @Override
          public FishingOutcome apply(MemoryEvent event) {
            if (!(event instanceof LeasesReclaimed)) {
              return FishingOutcomes.continueAndIgnore();
            }
            return ++found == count ? FishingOutcomes.complete() : FishingOutcomes.continueAndCollect();
          }
        });
    return seen.stream().filter(LeasesReclaimed.class::isInstance).map(LeasesReclaimed.class::cast).toList();
  }

  private MemoryStats stats() {
    manager.tell(new GetStats(stats.ref()));
    return stats.receiveMessage();
  }
}

package io.framefarm.worker.memory;

import static io.framefarm.worker.device.MemorySize.format;
import static io.framefarm.worker.memory.FakeModels.primary;
import static io.framefarm.worker.memory.FakeModels.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.framefarm.worker.device.CudaDevice;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.FakeCudaDriver;
import io.framefarm.worker.memory.Grant.Granted;
import io.framefarm.worker.memory.Grant.Refused;
import io.framefarm.worker.memory.MemoryEvent.AllocationRejected;
import io.framefarm.worker.memory.MemoryEvent.LeakDetected;
import io.framefarm.worker.memory.MemoryEvent.MemoryPressure;
import io.framefarm.worker.memory.MemoryEvent.ModelEvicted;
import io.framefarm.worker.memory.MemoryEvent.ModelLoaded;
import io.framefarm.worker.memory.MemoryStats.Pressure;
import io.framefarm.worker.memory.MemoryStats.ResidentModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeviceMemoryTest {

  private static final long BUDGET = 10_000;

  private final RecordingDevice device = new RecordingDevice(100_000);
  private final FakeModels loader = new FakeModels(device);
  private final List<MemoryEvent> events = new ArrayList<>();
  private final List<BufferLease> returned = new ArrayList<>();
  private final MemoryConfig config = MemoryConfig.defaults(Device.Kind.HOST).withBudgetBytes(BUDGET)
      .withTrackingLevel(TrackingLevel.FULL);
  private final DeviceMemory memory = new DeviceMemory(device, config, loader, events::add, new MutableClock());
  // A model bigger than its estimate takes the extra on the device while it loads, before anyone can know.
  private long underestimatedBytes;

  @AfterEach
  void nothingIsStillReserved() {
    assertThat(memory.stats().nothingHeld()).isTrue();
    assertThat(memory.stats().peakBytes()).isLessThanOrEqualTo(BUDGET);
    assertThat(device.peakBytes()).isLessThanOrEqualTo(BUDGET + underestimatedBytes);
    memory.close();
    assertThat(memory.stats().usedBytes()).isZero();
    assertThat(device.allocatedBytes()).isZero();
    assertThat(loader.open()).isEmpty();
  }

  @Test
  void loadsMissingModelsOnceAndCountsHitsAndMisses() {
    List<ModelHandle> first = granted(memory.acquire("chunk-1", List.of(spec("det", 2_000), spec("rec", 3_000))));
    List<ModelHandle> second = granted(memory.acquire("chunk-2", List.of(spec("rec", 3_000))));

    assertThat(first).extracting(ModelHandle::modelId).containsExactly("det", "rec");
    assertThat(second.get(0).model()).isSameAs(first.get(1).model());
    assertThat(loader.loadsOf("rec")).isEqualTo(1);
    MemoryStats stats = memory.stats();
    assertThat(stats.misses()).isEqualTo(2);
    assertThat(stats.hits()).isEqualTo(1);
    assertThat(stats.modelBytes()).isEqualTo(5_000);
    assertThat(stats.models()).extracting(ResidentModel::users).containsExactly(1, 2);
    assertThat(events).filteredOn(ModelLoaded.class::isInstance).hasSize(2);

    memory.finishOwner("chunk-1");
    memory.releaseModels("chunk-2");
  }

  @Test
  void rejectsAtOnceWhatCanNeverFitWithTheSizes() {
    granted(memory.loadPrimary(List.of(primary("detector", 4_000))));

    Refused<?> refused = refused(memory.acquire("chunk-1", List.of(spec("restorer", 7_000))));

    assertThat(refused.retryable()).isFalse();
    assertThat(refused.reason()).contains("restorer (" + format(7_000) + ")", "need " + format(7_000),
        "budget is " + format(BUDGET), format(4_000) + " of it pinned", "can never fit");
    assertThat(loader.loadsOf("restorer")).isZero();
    assertThat(events).filteredOn(AllocationRejected.class::isInstance).singleElement()
        .isEqualTo(new AllocationRejected("test:0", "chunk-1", 7_000, refused.reason(), false));

    assertThat(refused(memory.lease("chunk-1", 3_000, 3, null, returned::add)).reason())
        .contains("3 buffer(s) of " + format(3_000), "need " + format(9_000), "can never fit");
    assertThat(refused(memory.reserve("chunk-1", 20_000, null)).retryable()).isFalse();
  }

  @Test
  void refusesAsRetryableWhileRunningChunksHoldTheRoom() {
    granted(memory.acquire("chunk-1", List.of(spec("a", 4_000), spec("b", 4_000))));

    Refused<?> refused = refused(memory.acquire("chunk-2", List.of(spec("c", 4_000))));

    assertThat(refused.retryable()).isTrue();
    assertThat(refused.reason()).contains("held by running chunks", "models in use " + format(8_000));
    memory.finishOwner("chunk-1");
    assertThat(memory.acquire("chunk-2", List.of(spec("c", 4_000)))).isInstanceOf(Granted.class);
    memory.finishOwner("chunk-2");
  }

  @Test
  void evictsLeastRecentlyUsedUnusedModelsByBytesToFitALease() {
    for (String id : List.of("a", "b", "c")) {
      granted(memory.acquire("chunk-" + id, List.of(spec(id, 3_000))));
      memory.finishOwner("chunk-" + id);
    }
    granted(memory.acquire("chunk-4", List.of(spec("a", 3_000)))); // a is now the most recently used, and in use

    BufferLease lease = granted(memory.lease("chunk-4", 1_000, 3, null, returned::add));

    assertThat(events).filteredOn(ModelEvicted.class::isInstance).singleElement()
        .isEqualTo(new ModelEvicted("test:0", "b", 3_000, -1, "room for 3 buffer(s) of " + format(1_000)
            + " of chunk-4"));
    assertThat(memory.stats().models()).extracting(ResidentModel::modelId).containsExactly("c", "a");
    assertThat(loader.open()).containsExactlyInAnyOrder("a", "c");
    assertThat(memory.giveBack(lease)).isTrue();
    memory.finishOwner("chunk-4");
  }

  @Test
  void freesIdleBuffersBeforeEvictingModels() {
    memory.giveBack(granted(memory.lease("chunk-1", 1_000, 4, null, returned::add)));
    granted(memory.acquire("chunk-1", List.of(spec("a", 4_000))));
    memory.finishOwner("chunk-1");

    granted(memory.acquire("chunk-2", List.of(spec("b", 4_000))));

    assertThat(events).noneMatch(ModelEvicted.class::isInstance);
    assertThat(memory.stats().poolBytes()).isEqualTo(2_000);
    assertThat(memory.stats().poolBuffersFreed()).isEqualTo(2);
    memory.finishOwner("chunk-2");
  }

  @Test
  void reusesIdleBuffersOfTheSameSizeWithoutAllocating() {
    memory.giveBack(granted(memory.lease("chunk-1", 1_000, 4, null, returned::add)));
    long allocations = device.allocations();

    BufferLease lease = granted(memory.lease("chunk-2", 1_000, 4, null, returned::add));

    assertThat(device.allocations()).isEqualTo(allocations);
    assertThat(memory.stats().poolHits()).isEqualTo(4);
    assertThat(memory.stats().poolMisses()).isEqualTo(4);
    memory.giveBack(lease);
  }

  @Test
  void reservesNothingForAModelThatFailsToLoad() {
    loader.failing("broken");

    Refused<?> refused = refused(memory.acquire("chunk-1", List.of(spec("ok", 1_000), spec("broken", 2_000))));

    assertThat(refused.reason()).contains("loading model broken", "no such file");
    assertThat(memory.stats().modelBytes()).as("only the model that loaded").isEqualTo(1_000);
    assertThat(memory.stats().models()).allMatch(m -> m.users() == 0);
  }

  @Test
  void accountsAModelAtWhatItMeasuredAndMakesRoomForTheExcess() {
    granted(memory.acquire("chunk-1", List.of(spec("old", 5_000))));
    memory.finishOwner("chunk-1");
    loader.measuring("grows", 8_000);
    underestimatedBytes = 6_000;

    granted(memory.acquire("chunk-2", List.of(spec("grows", 2_000))));

    assertThat(memory.stats().modelBytes()).isEqualTo(8_000);
    assertThat(events).filteredOn(ModelEvicted.class::isInstance).extracting(e -> ((ModelEvicted) e).modelId())
        .containsExactly("old");
    assertThat(events).filteredOn(ModelLoaded.class::isInstance).map(ModelLoaded.class::cast).last()
        .extracting(ModelLoaded::modelId, ModelLoaded::bytes, ModelLoaded::estimatedBytes)
        .containsExactly("grows", 8_000L, 2_000L);
    memory.finishOwner("chunk-2");
  }

  @Test
  void closesAndRefusesAModelThatMeasuresBeyondWhatCanBeFreed() {
    granted(memory.acquire("chunk-1", List.of(spec("held", 5_000))));
    loader.measuring("liar", 6_000);
    underestimatedBytes = 5_000;

    Refused<?> refused = refused(memory.acquire("chunk-2", List.of(spec("liar", 1_000))));

    assertThat(refused.reason()).contains("liar measured " + format(6_000));
    assertThat(loader.open()).containsExactly("held");
    memory.finishOwner("chunk-1");
  }

  @Test
  void reclaimsAndReportsWhatAFinishedOwnerStillHeld() {
    BufferLease leaked = granted(memory.lease("chunk-1", 1_000, 2, new LeakTracker.Site(), returned::add));
    BufferLease closedInFlight = granted(memory.lease("chunk-1", 500, 1, null, returned::add));
    granted(memory.reserve("chunk-1", 3_000, null));
    closedInFlight.close(); // its ReturnBuffers has not reached the manager yet: not a leak

    int leaks = memory.finishOwner("chunk-1");

    assertThat(leaks).isEqualTo(2);
    List<LeakDetected> reports = events.stream().filter(LeakDetected.class::isInstance).map(LeakDetected.class::cast)
        .toList();
    assertThat(reports).extracting(LeakDetected::what, LeakDetected::bytes).containsExactly(
        tuple("buffers", 2_000L), tuple("reservation", 3_000L));
    assertThat(reports.get(0).takenAt()).contains("DeviceMemoryTest.reclaimsAndReportsWhatAFinishedOwnerStillHeld");
    assertThat(leaked.isValid()).isFalse();
    assertThatThrownBy(() -> leaked.buffer(0)).isInstanceOf(IllegalStateException.class);
    assertThat(memory.giveBack(closedInFlight)).as("arrives after the reclaim").isFalse();
    assertThat(memory.stats().leaks()).isEqualTo(2);
  }

  @Test
  void cleanupTrimsIdleBuffersToTheLowWatermarkAndReportsPressure() {
    BufferLease lease = granted(memory.lease("chunk-1", 1_000, 9, null, returned::add));
    memory.updatePressure();
    assertThat(events).as("at the high watermark, not above it").noneMatch(MemoryPressure.class::isInstance);
    BufferLease more = granted(memory.lease("chunk-1", 1_000, 1, null, returned::add));
    memory.updatePressure();
    assertThat(events).filteredOn(MemoryPressure.class::isInstance).singleElement()
        .isEqualTo(new MemoryPressure("test:0", Pressure.HIGH, 10_000, BUDGET));
    memory.giveBack(lease);
    memory.giveBack(more);

    long freed = memory.cleanup("test");

    assertThat(freed).isEqualTo(3_000);
    assertThat(memory.stats().usedBytes()).isEqualTo(7_000);
    assertThat(memory.stats().pressure()).isEqualTo(Pressure.NORMAL);
    assertThat(events).filteredOn(MemoryPressure.class::isInstance).last()
        .isEqualTo(new MemoryPressure("test:0", Pressure.NORMAL, 7_000, BUDGET));
  }

  @Test
  void cleanupAboveTheHighWatermarkEvictsUnusedModelsButNeverPinnedOnes() {
    granted(memory.loadPrimary(List.of(primary("pinned", 4_000))));
    granted(memory.acquire("chunk-1", List.of(spec("unused", 3_000))));
    memory.finishOwner("chunk-1");
    granted(memory.reserve("chunk-2", 2_500, null));
    memory.updatePressure();

    memory.cleanup("above high watermark");

    assertThat(memory.stats().models()).extracting(ResidentModel::modelId).containsExactly("pinned");
    assertThat(memory.stats().pressure()).isEqualTo(Pressure.NORMAL);
    memory.release("chunk-2", 2_500);
  }

  @Test
  void failsLoudlyOnReleasingMoreThanReserved() {
    granted(memory.reserve("chunk-1", 1_000, null));

    assertThatThrownBy(() -> memory.release("chunk-1", 1_001)).isInstanceOf(IllegalStateException.class);

    assertThat(memory.stats().otherBytes()).isEqualTo(1_000);
    memory.release("chunk-1", 1_000);
  }

  @Test
  void refusesAnOwnerWithoutAName() {
    for (String owner : List.of("", " ")) {
      assertThat(refused(memory.reserve(owner, 1, null)).retryable()).isFalse();
    }
  }

  @Test
  void aChunkNamedLikeTheManagersOwnHoldingsKeepsBooksOfItsOwn() {
    memory.giveBack(granted(memory.lease("chunk-1", 1_000, 2, null, returned::add)));
    granted(memory.acquire("chunk-1", List.of(spec("x", 1_000))));
    memory.releaseModels("chunk-1");
    List<String> lookalikes = List.of("primary models", "buffer pool", "model x", "primary-models", "buffer-pool",
        "model:x");
    for (String owner : lookalikes) {
      granted(memory.reserve(owner, 100, null));
    }

    lookalikes.forEach(owner -> memory.release(owner, 100));

    assertThat(memory.stats().poolBytes()).as("the pool's buffers are still the pool's").isEqualTo(2_000);
    assertThat(memory.stats().modelBytes()).as("the model is still resident").isEqualTo(1_000);
    assertThat(memory.stats().otherBytes()).isZero();
    memory.finishOwner("chunk-1");
  }

  @Test
  void checksThroughCuMemGetInfoThatAnEvictedModelsMemoryCameBack() {
    FakeCudaDriver driver = FakeCudaDriver.withGpus(new FakeCudaDriver.Gpu("fake GPU", 20_000));
    List<MemoryEvent> cudaEvents = new ArrayList<>();
    try (CudaDevice gpu = CudaDevice.open(driver, 0)) {
      FakeModels onGpu = new FakeModels(gpu).leaking("leaky");
      DeviceMemory cuda = new DeviceMemory(gpu, MemoryConfig.defaults(Device.Kind.CUDA).withBudgetBytes(10_000), onGpu,
          cudaEvents::add, new MutableClock());
      for (String id : List.of("leaky", "clean")) {
        granted(cuda.acquire("chunk-" + id, List.of(spec(id, 4_000))));
        cuda.finishOwner("chunk-" + id);
      }

      granted(cuda.acquire("chunk-3", List.of(spec("big", 8_000))));

      assertThat(cudaEvents).filteredOn(ModelEvicted.class::isInstance).map(ModelEvicted.class::cast)
          .extracting(ModelEvicted::modelId, ModelEvicted::reclaimedBytes)
          .containsExactly(tuple("leaky", 0L), tuple("clean", 4_000L));
      cuda.finishOwner("chunk-3");
      assertThat(cuda.stats().nothingHeld()).isTrue();
      cuda.close();
      assertThat(onGpu.allClosed()).isTrue();
      assertThat(driver.allocatedBytes(0)).as("only what the leaky session never gave back").isEqualTo(4_000);
    }
  }

  private static <T> T granted(Grant<T> grant) {
    assertThat(grant).isInstanceOf(Granted.class);
    return ((Granted<T>) grant).value();
  }

  private static Refused<?> refused(Grant<?> grant) {
    assertThat(grant).isInstanceOf(Refused.class);
    return (Refused<?>) grant;
  }
}

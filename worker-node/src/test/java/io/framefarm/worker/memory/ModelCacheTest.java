package io.framefarm.worker.memory;

import static io.framefarm.worker.memory.FakeModels.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ModelCacheTest {

  private final OwnerAccounts accounts = new OwnerAccounts(MemoryBudget.of(100_000, 100_000, 1.0, 0.9, 0.75));
  private final MutableClock clock = new MutableClock();
  private final ModelCache cache = new ModelCache(accounts, clock);
  private final FakeModels loader = new FakeModels();

  @AfterEach
  void nothingIsStillReserved() {
    cache.clear().forEach(e -> e.model().close());
    assertThat(accounts.usedBytes()).isZero();
    assertThat(loader.allClosed()).isTrue();
  }

  @Test
  void keepsModelsInLeastRecentlyUsedOrder() throws Exception {
    load("a", 1_000);
    load("b", 2_000);
    load("c", 3_000);
    clock.advance(Duration.ofSeconds(5));

    cache.use("chunk-1", "a");
    cache.releaseUses("chunk-1");

    assertThat(cache.residentInLruOrder()).extracting(MemoryStats.ResidentModel::modelId)
        .containsExactly("b", "c", "a");
    assertThat(cache.residentInLruOrder().get(2).lastUsedEpochMillis()).isEqualTo(clock.millis());
    assertThat(cache.isResident("b")).isTrue();
    assertThat(cache.residentInLruOrder()).as("looking does not count as use")
        .extracting(MemoryStats.ResidentModel::modelId).containsExactly("b", "c", "a");
  }

  @Test
  void evictsLeastRecentlyUsedByBytesUntilEnoughIsFree() throws Exception {
    load("a", 2_000);
    load("b", 2_000);
    load("c", 2_000);
    load("d", 2_000);

    var evicted = cache.evict(3_000, Set.of());

    assertThat(evicted).extracting(e -> e.spec().id()).containsExactly("a", "b");
    assertThat(evicted).allMatch(e -> !((FakeModels.FakeModel) e.model()).closed);
    assertThat(accounts.total(MemoryCategory.MODELS)).isEqualTo(4_000);
    assertThat(cache.evictions()).isEqualTo(2);
    evicted.forEach(e -> e.model().close());
  }

  @Test
  void neverEvictsPinnedInUseOrKeptModels() throws Exception {
    load("pinned", 1_000);
    load("in-use", 1_000);
    load("kept", 1_000);
    load("free", 1_000);
    cache.pin("pinned");
    cache.use("chunk-1", "in-use");

    assertThat(cache.evictableBytes(Set.of("kept"))).isEqualTo(1_000);
    var evicted = cache.evict(10_000, Set.of("kept"));

    assertThat(evicted).extracting(e -> e.spec().id()).containsExactly("free");
    assertThat(cache.pinnedBytes(Set.of())).isEqualTo(1_000);
    assertThat(cache.inUseBytes()).isEqualTo(1_000);
    evicted.forEach(e -> e.model().close());

    cache.releaseUses("chunk-1");
    var rest = cache.evict(10_000, Set.of());
    assertThat(rest).extracting(e -> e.spec().id()).containsExactly("kept", "in-use");
    rest.forEach(e -> e.model().close());
  }

  @Test
  void countsUsesPerOwnerUntilThatOwnerReleases() throws Exception {
    load("a", 1_000);
    cache.use("chunk-1", "a");
    cache.use("chunk-1", "a");
    cache.use("chunk-2", "a");

    assertThat(cache.residentInLruOrder().get(0).users()).isEqualTo(2);
    cache.releaseUses("chunk-1");
    assertThat(cache.evict(1_000, Set.of())).isEmpty();
    cache.releaseUses("chunk-2");
    assertThat(cache.residentInLruOrder().get(0).users()).isZero();
  }

  @Test
  void correctsTheReservationToWhatTheModelMeasured() throws Exception {
    loader.measuring("big", 5_000).measuring("small", 500);
    load("big", 1_000);
    load("small", 1_000);

    assertThat(accounts.total(MemoryCategory.MODELS)).isEqualTo(5_500);
    cache.evict(100_000, Set.of()).forEach(e -> e.model().close());

    assertThat(cache.expectedBytes(spec("big", 1_000))).as("the next load reserves what it really took")
        .isEqualTo(5_000);
    assertThat(cache.expectedBytes(spec("never-loaded", 1_000))).isEqualTo(1_000);
    assertThat(cache.loads()).isEqualTo(2);
  }

  private void load(String id, long estimate) throws Exception {
    ModelSpec spec = spec(id, estimate);
    cache.reserveForLoad(spec, cache.expectedBytes(spec));
    cache.admit(spec, loader.load(spec));
  }
}

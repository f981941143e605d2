package io.framefarm.worker.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OwnerAccountsTest {
  private static final Owner CHUNK_1 = new Owner.Chunk("chunk-1");
  private static final Owner CHUNK_2 = new Owner.Chunk("chunk-2");

  private final OwnerAccounts accounts = new OwnerAccounts(MemoryBudget.of(10_000, 10_000, 1.0, 0.9, 0.75));

  @Test
  void keepsReservationsByOwnerAndCategory() {
    accounts.reserve(CHUNK_1, 1_000);
    accounts.reserve(CHUNK_1, MemoryCategory.POOL, 500);
    accounts.reserve(CHUNK_2, 2_000);

    assertThat(accounts.reservedBy(CHUNK_1)).isEqualTo(1_500);
    assertThat(accounts.reservedBy(CHUNK_1, MemoryCategory.OTHER)).isEqualTo(1_000);
    assertThat(accounts.total(MemoryCategory.OTHER)).isEqualTo(3_000);
    assertThat(accounts.usedBytes()).isEqualTo(3_500);

    accounts.release(CHUNK_1, 400);
    assertThat(accounts.reservedBy(CHUNK_1, MemoryCategory.OTHER)).isEqualTo(600);

    assertThat(accounts.releaseAll(CHUNK_1)).isEqualTo(1_100);
    assertThat(accounts.releaseAll(CHUNK_1)).isZero();
    accounts.release(CHUNK_2, 2_000);

    assertThat(accounts.usedBytes()).isZero();
    assertThat(accounts.owners()).isZero();
    assertThat(accounts.total(MemoryCategory.POOL)).isZero();
  }

  @Test
  void refusesToReleaseMoreThanTheOwnerHoldsEvenIfOthersHoldEnough() {
    accounts.reserve(CHUNK_1, 100);
    accounts.reserve(CHUNK_2, 5_000);

    assertThatThrownBy(() -> accounts.release(CHUNK_1, 200)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("chunk-1").hasMessageContaining("holds 100 B");
    assertThatThrownBy(() -> accounts.release(CHUNK_1, MemoryCategory.POOL, 1))
        .isInstanceOf(IllegalStateException.class);
    assertThat(accounts.reservedBy(CHUNK_1)).isEqualTo(100);

    accounts.releaseAll(CHUNK_1);
    accounts.releaseAll(CHUNK_2);
    assertThat(accounts.usedBytes()).isZero();
  }

  @Test
  void aChunkNamedLikeAHoldingOfTheManagerIsAnotherOwner() {
    accounts.reserve(Owner.BUFFER_POOL, MemoryCategory.POOL, 1_000);
    accounts.reserve(new Owner.Chunk("buffer pool"), 200);

    assertThat(accounts.releaseAll(new Owner.Chunk("buffer pool"))).isEqualTo(200);
    assertThat(accounts.reservedBy(Owner.BUFFER_POOL)).isEqualTo(1_000);
    accounts.releaseAll(Owner.BUFFER_POOL);
  }

  @Test
  void refusesReservationsBeyondTheBudget() {
    accounts.reserve(CHUNK_1, 9_000);

    assertThatThrownBy(() -> accounts.reserve(CHUNK_2, 1_001)).isInstanceOf(IllegalStateException.class);
    assertThat(accounts.reservedBy(CHUNK_2)).isZero();

    accounts.releaseAll(CHUNK_1);
    assertThat(accounts.usedBytes()).isZero();
  }
}

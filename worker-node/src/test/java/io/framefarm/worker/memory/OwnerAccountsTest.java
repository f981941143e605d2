package io.framefarm.worker.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OwnerAccountsTest {

  private final OwnerAccounts accounts = new OwnerAccounts(MemoryBudget.of(10_000, 10_000, 1.0, 0.9, 0.75));

  @Test
  void keepsReservationsByOwnerAndCategory() {
    accounts.reserve("chunk-1", 1_000);
    accounts.reserve("chunk-1", MemoryCategory.POOL, 500);
    accounts.reserve("chunk-2", 2_000);

    assertThat(accounts.reservedBy("chunk-1")).isEqualTo(1_500);
    assertThat(accounts.reservedBy("chunk-1", MemoryCategory.OTHER)).isEqualTo(1_000);
    assertThat(accounts.total(MemoryCategory.OTHER)).isEqualTo(3_000);
    assertThat(accounts.usedBytes()).isEqualTo(3_500);

    accounts.release("chunk-1", 400);
    assertThat(accounts.reservedBy("chunk-1", MemoryCategory.OTHER)).isEqualTo(600);

    assertThat(accounts.releaseAll("chunk-1")).isEqualTo(1_100);
    assertThat(accounts.releaseAll("chunk-1")).isZero();
    accounts.release("chunk-2", 2_000);

    assertThat(accounts.usedBytes()).isZero();
    assertThat(accounts.owners()).isZero();
    assertThat(accounts.total(MemoryCategory.POOL)).isZero();
  }

  @Test
  void refusesToReleaseMoreThanTheOwnerHoldsEvenIfOthersHoldEnough() {
    accounts.reserve("chunk-1", 100);
    accounts.reserve("chunk-2", 5_000);

    assertThatThrownBy(() -> accounts.release("chunk-1", 200)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("chunk-1").hasMessageContaining("holds 100 B");
    assertThatThrownBy(() -> accounts.release("chunk-1", MemoryCategory.POOL, 1))
        .isInstanceOf(IllegalStateException.class);
    assertThat(accounts.reservedBy("chunk-1")).isEqualTo(100);

    accounts.releaseAll("chunk-1");
    accounts.releaseAll("chunk-2");
    assertThat(accounts.usedBytes()).isZero();
  }

  @Test
  void refusesReservationsBeyondTheBudget() {
    accounts.reserve("chunk-1", 9_000);

    assertThatThrownBy(() -> accounts.reserve("chunk-2", 1_001)).isInstanceOf(IllegalStateException.class);
    assertThat(accounts.reservedBy("chunk-2")).isZero();

    accounts.releaseAll("chunk-1");
    assertThat(accounts.usedBytes()).isZero();
  }
}

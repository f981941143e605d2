package io.framefarm.worker.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

  @Test
  void isTheSmallerOfConfiguredAndTheDevicesShare() {
    assertThat(MemoryBudget.of(6_000, 10_000, 0.9, 0.9, 0.75).limitBytes()).isEqualTo(6_000);
    assertThat(MemoryBudget.of(12_000, 10_000, 0.9, 0.9, 0.75).limitBytes()).isEqualTo(9_000);
    assertThat(MemoryBudget.of(0, 10_000, 0.9, 0.9, 0.75).limitBytes()).isEqualTo(9_000);
  }

  @Test
  void placesWatermarksWithinTheBudget() {
    MemoryBudget budget = MemoryBudget.of(1_000, 1_000, 1.0, 0.9, 0.75);

    budget.reserve(900);
    assertThat(budget.aboveHighWatermark()).isFalse();
    budget.reserve(1);
    assertThat(budget.aboveHighWatermark()).isTrue();
    budget.release(151);
    assertThat(budget.atOrBelowLowWatermark()).isTrue();
    budget.release(750);
    assertThat(budget.usedBytes()).isZero();
  }

  @Test
  void refusesToGoOverAndKeepsThePeak() {
    MemoryBudget budget = MemoryBudget.of(1_000, 1_000, 1.0, 0.9, 0.75);
    budget.reserve(800);

    assertThat(budget.fits(200)).isTrue();
    assertThat(budget.fits(201)).isFalse();
    assertThatThrownBy(() -> budget.reserve(201)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exceed");
    budget.release(800);

    assertThat(budget.peakBytes()).isEqualTo(800);
    assertThat(budget.usedBytes()).isZero();
  }

  @Test
  void failsLoudlyWhenReleasingMoreThanReserved() {
    MemoryBudget budget = MemoryBudget.of(1_000, 1_000, 1.0, 0.9, 0.75);
    budget.reserve(100);

    assertThatThrownBy(() -> budget.release(101)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("releasing 101 B").hasMessageContaining("only 100 B");
    assertThat(budget.usedBytes()).as("never clamped").isEqualTo(100);
    budget.release(100);
    assertThat(budget.usedBytes()).isZero();
  }
}

package io.framefarm.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class UploadGateTest {
  private final UploadGate gate = new UploadGate();

  @Test
  void aDrainWaitsForTheUploadsUnderWayAndRefusesNewOnes() {
    assertThat(gate.tryEnter()).isTrue();
    assertThat(gate.tryEnter()).isTrue();

    CompletableFuture<Void> drained = gate.drain();

    assertThat(gate.tryEnter()).as("a new upload while draining").isFalse();
    gate.leave();
    assertThat(drained).isNotDone();
    gate.leave();
    assertThat(drained).isCompleted();
    assertThat(gate.inFlight()).isZero();
  }

  @Test
  void aDrainWithNothingUnderWayIsDoneAtOnce() {
    assertThat(gate.drain()).isCompleted();
    assertThat(gate.draining()).isTrue();
  }

  @Test
  void leavingMoreOftenThanEnteringIsABug() {
    assertThatThrownBy(gate::leave).isInstanceOf(IllegalStateException.class);
  }
}

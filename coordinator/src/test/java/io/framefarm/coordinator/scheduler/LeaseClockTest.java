package io.framefarm.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.coordinator.scheduler.LeaseClock.Lease;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LeaseClockTest {
  private final LeaseClock clock = new LeaseClock(Duration.ofSeconds(30), Duration.ofMinutes(3));
  private final Lease lease = new Lease("j", 0, 1);

  @Test
  void whileItsInputIsCutALeaseGetsTheStartupGrace() {
    clock.leased(lease, "w", 0);
    assertThat(clock.expired(179_000)).isEmpty();
    assertThat(clock.expired(180_001)).containsExactly(lease);
  }

  @Test
  void onceAssignedALeaseExpiresWithoutProgress() {
    clock.leased(lease, "w", 0);
    assertThat(clock.assigned(lease, 10_000)).isTrue();
    assertThat(clock.expired(39_000)).isEmpty();
    assertThat(clock.expired(40_001)).containsExactly(lease);
  }

  @Test
  void framesDoneRenewTheLeaseButARepeatedCountDoesNot() {
    clock.leased(lease, "w", 0);
    clock.assigned(lease, 0);
    clock.progress(lease, 5, 25_000);
    assertThat(clock.expired(50_000)).as("renewed at 25 s").isEmpty();
    clock.progress(lease, 5, 50_000);
    assertThat(clock.expired(55_001)).as("no new frames since 25 s").containsExactly(lease);
    assertThat(clock.framesDone(lease)).isEqualTo(5);
  }

  @Test
  void beforeItsFirstFrameALeaseIsRenewedOnlyWithinTheGrace() {
    clock.leased(lease, "w", 0);
    clock.assigned(lease, 10_000);
    clock.progress(lease, 0, 180_000);
    assertThat(clock.expired(209_000)).as("model loads within the grace").isEmpty();
    clock.progress(lease, 0, 200_000);
    assertThat(clock.expired(210_001)).as("the grace is over").containsExactly(lease);
  }

  @Test
  void aLeaseAheadIsRenewedWhileItWaitsBehindItsSlotsOtherChunkAndGetsItsGraceWhenItsTurnComes() {
    var ahead = new Lease("j", 1, 1);
    clock.leased(lease, "w", 0);
    clock.assigned(lease, 0);
    clock.leased(ahead, "w", 1_000);
    clock.assigned(ahead, 1_000);
    assertThat(clock.heldBy("w")).isEqualTo(2);
    // The first chunk runs for 10 minutes, far beyond the 3-minute grace; the one ahead reports no frames.
    for (long t = 20_000; t <= 600_000; t += 20_000) {
      clock.progress(lease, (int) (t / 1000), t);
      clock.progress(ahead, 0, t);
    }
    assertThat(clock.expired(620_000)).as("both renewed at 600 s").isEmpty();
    clock.ended(lease);
    assertThat(clock.heldBy("w")).isEqualTo(1);
    // Its turn: loading its model takes 2 minutes, within the grace that counts from its last wait.
    clock.progress(ahead, 0, 720_000);
    assertThat(clock.expired(749_000)).isEmpty();
    clock.progress(ahead, 0, 790_000);
    assertThat(clock.expired(820_001)).as("the grace, counted from 600 s, is over").containsExactly(ahead);
  }

  @Test
  void aLeaseWithoutFramesIsNotRenewedByAnotherWorkersLease() {
    var other = new Lease("j", 1, 1);
    clock.leased(lease, "w", 0);
    clock.assigned(lease, 0);
    clock.leased(other, "v", 0);
    clock.assigned(other, 0);
    clock.progress(other, 50, 200_000);
    clock.progress(lease, 0, 200_000);
    assertThat(clock.expired(200_001)).containsExactly(lease);
  }

  @Test
  void aLeaseWhoseResultIsBeingStoredDoesNotExpire() {
    clock.leased(lease, "w", 0);
    clock.storing(lease);
    assertThat(clock.expired(Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void leasesAreFoundByNodeAndWorkerAndForgottenWhenTheyEnd() {
    var other = new Lease("j", 1, 1);
    clock.leased(lease, "pekko://farm@a:1/system/slot-0", 0);
    clock.leased(other, "pekko://farm@b:2/system/slot-0", 0);

    assertThat(clock.heldOn("pekko://farm@b:2")).containsExactly(other);
    assertThat(clock.heldOn("pekko://farm@b:20")).isEmpty();
    assertThat(clock.holds("pekko://farm@a:1/system/slot-0")).isTrue();

    clock.ended(lease);
    assertThat(clock.holds("pekko://farm@a:1/system/slot-0")).isFalse();
    assertThat(clock.assigned(lease, 0)).as("an ended lease cannot be assigned").isFalse();
    clock.endedJob("j");
    assertThat(clock.size()).isZero();
  }
}

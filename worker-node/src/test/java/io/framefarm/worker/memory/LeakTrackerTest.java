package io.framefarm.worker.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LeakTrackerTest {

  private final MutableClock clock = new MutableClock();

  @Test
  void fullRecordsEveryRequestersCallSite() {
    LeakTracker tracker = new LeakTracker(TrackingLevel.FULL, clock);

    LeakTracker.Trace trace = tracker.trace(new LeakTracker.Site());

    assertThat(trace.where()).contains("LeakTrackerTest.fullRecordsEveryRequestersCallSite")
        .doesNotContain("LeakTracker.<init>");
  }

  @Test
  void sampledCapturesOneCallSiteInSixteenAndBuildsNoStackForTheOthers() {
    LeaseSites sites = LeaseSites.of(TrackingLevel.SAMPLED);
    LeakTracker tracker = new LeakTracker(TrackingLevel.SAMPLED, clock);

    List<Throwable> captured = IntStream.range(0, 64).mapToObj(i -> sites.next()).toList();

    assertThat(captured.stream().filter(Objects::nonNull).count()).isEqualTo(64 / LeaseSites.SAMPLE_EVERY);
    assertThat(captured.stream().map(tracker::trace).filter(t -> !t.where().isEmpty()).count())
        .isEqualTo(64 / LeaseSites.SAMPLE_EVERY);
  }

  @Test
  void offCapturesNothingAndFullEveryCallSiteBelowTheSitesThatTookIt() {
    assertThat(IntStream.range(0, 32).mapToObj(i -> LeaseSites.of(TrackingLevel.OFF).next())).allMatch(Objects::isNull);
    LeaseSites full = LeaseSites.of(TrackingLevel.FULL);

    LeakTracker.Trace trace = new LeakTracker(TrackingLevel.FULL, clock).trace(full.next());

    assertThat(trace.where()).startsWith("\tat io.framefarm.worker.memory.LeakTrackerTest.offCapturesNothingAndFull")
        .doesNotContain("LeaseSites");
  }

  @Test
  void offRecordsNoCallSiteButStillReportsOwnerSizeAndAge() {
    LeakTracker tracker = new LeakTracker(TrackingLevel.OFF, clock);
    LeakTracker.Trace trace = tracker.trace(new LeakTracker.Site());
    clock.advance(Duration.ofMillis(1_500));

    MemoryEvent.LeakDetected leak = tracker.leaked("cuda:0", "chunk-7", "buffers", 4_096, trace);

    assertThat(leak).isEqualTo(new MemoryEvent.LeakDetected("cuda:0", "chunk-7", "buffers", 4_096, 1_500, ""));
    assertThat(tracker.leaks()).isEqualTo(1);
  }
}

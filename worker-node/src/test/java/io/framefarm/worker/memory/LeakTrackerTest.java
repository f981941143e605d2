package io.framefarm.worker.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
  void sampledRecordsOneCallSiteInSixteen() {
    LeakTracker tracker = new LeakTracker(TrackingLevel.SAMPLED, clock);

    long recorded = IntStream.range(0, 64).mapToObj(i -> tracker.trace(new LeakTracker.Site()))
        .filter(t -> !t.where().isEmpty()).count();

    assertThat(recorded).isEqualTo(64 / LeakTracker.SAMPLE_EVERY);
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

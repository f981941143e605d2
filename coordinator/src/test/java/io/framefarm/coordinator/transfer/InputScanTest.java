package io.framefarm.coordinator.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.MediaInfo;
import io.framefarm.media.Probe;
import io.framefarm.media.ProbeLimits;
import io.framefarm.media.ProbeScan;
import io.framefarm.media.SampleVideo;
import io.framefarm.protocol.JobApi.PlannedChunk;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's input scan, its steps run by the test one at a time: what it offers before it ends, and at the end. */
class InputScanTest {
  @TempDir
  static Path temp;
  private static Path video;

  private final Deque<Runnable> steps = new ArrayDeque<>();
  private final List<String> reports = new ArrayList<>();
  private final List<PlannedChunk> early = new ArrayList<>();
  private final List<PlannedChunk> all = new ArrayList<>();

  private final Transfers.PlanListener listener = new Transfers.PlanListener() {
    @Override
    public void planned(int firstIndex, List<PlannedChunk> chunks, boolean complete) {
      reports.add(firstIndex + "+" + chunks.size() + (complete ? " complete" : ""));
      (complete ? all : early).addAll(chunks);
    }

    @Override
    public void failed(String reason) {
      reports.add("failed: " + reason);
    }
  };

  @BeforeAll
  static void video() {
    video = SampleVideo.generate(temp.resolve("ten-seconds.mp4"), 10, 160, 120, 30); // 300 frames, H.264 and AAC
  }

  @Test
  void aChunkCanBeCutAndPlannedBeforeTheScanEndsAndTheEndMatchesTheWholeProbe() {
    InputScan scan = InputScan.start(video, ProbeLimits.DEFAULT, steps::add, 64, new ScanHandoff());
    scan.plan(30, listener);
    CompletableFuture<MediaInfo> firstChunk = scan.covering(30);
    CompletableFuture<MediaInfo> whole = scan.whole();
    while (!firstChunk.isDone()) {
      steps.remove().run();
    }
    assertThat(whole).as("the first chunk's frames are settled before the input is read").isNotDone();
    assertThat(firstChunk.join().frames().frameCount()).isLessThan(300);
    assertThat(early).as("the first chunk is planned before the input is read").isNotEmpty();

    while (!steps.isEmpty()) {
      steps.remove().run();
    }
    MediaInfo probed = Probe.probe(video);
    assertThat(whole.join().frames().ptsArray()).isEqualTo(probed.frames().ptsArray());
    List<PlannedChunk> oneShot = ChunkPlans.plannable(probed.frames(), 300, true, 30);
    assertThat(all).as("at the end, every chunk again from the first, as one probe plans them").isEqualTo(oneShot);
    assertThat(oneShot.subList(0, early.size())).as("what was planned early is what the whole plan says")
        .isEqualTo(early);
    assertThat(reports.size()).as("reported in several steps: %s", reports).isGreaterThan(2);
    assertThat(reports.get(reports.size() - 1)).isEqualTo("0+10 complete");
    assertThat(scan.covering(300)).as("the last chunk's end is the input's").isDone();
  }

  @Test
  void aScanTheValidationStartedIsTakenOverWhereItStopped() {
    ScanHandoff handoff = new ScanHandoff();
    ProbeScan started = ProbeScan.open(video, ProbeLimits.DEFAULT);
    started.advance(200);
    handoff.park(started);
    InputScan scan = InputScan.start(video, ProbeLimits.DEFAULT, steps::add, 64, handoff);
    scan.plan(30, listener);
    steps.remove().run();
    assertThat(handoff.take(video.toString())).as("taken over").isNull();
    while (!steps.isEmpty()) {
      steps.remove().run();
    }
    assertThat(all).isEqualTo(ChunkPlans.plannable(Probe.probe(video).frames(), 300, true, 30));
  }

  @Test
  void aScanThatFailsTellsThePlanAndEveryWaiter() {
    InputScan scan = InputScan.start(video, new ProbeLimits(8192, 8192, 8192L * 4320, Duration.ofNanos(1)),
        steps::add, 64, new ScanHandoff());
    scan.plan(30, listener);
    CompletableFuture<MediaInfo> firstChunk = scan.covering(30);
    while (!steps.isEmpty()) {
      steps.remove().run();
    }
    assertThat(reports).singleElement().asString().startsWith("failed: ").contains(video.toString())
        .contains("probing took longer than");
    assertThat(firstChunk).isCompletedExceptionally();
    assertThat(scan.covering(0)).as("later waiters too").isCompletedExceptionally();
  }

  @Test
  void aCancelledScanStopsAtItsNextStep() {
    InputScan scan = InputScan.start(video, ProbeLimits.DEFAULT, steps::add, 64, new ScanHandoff());
    CompletableFuture<MediaInfo> whole = scan.whole();
    steps.remove().run();
    scan.cancel();
    while (!steps.isEmpty()) {
      steps.remove().run();
    }
    assertThat(whole).isCompletedExceptionally();
    assertThat(reports).as("nobody listens: a cancelled scan tells no plan").isEmpty();
  }
}

package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.media.testing.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeScanTest {
  private static final Path DIR = TestVideos.cacheDir();

  @TempDir
  Path temp;

  /** B-frames and open GOPs reorder frames: the settled start of each snapshot is already the final index. */
  @Test
  void settledFramesOfEverySnapshotAreFinal() {
    for (Path file : new Path[] {TestVideos.openGop(DIR), TestVideos.variableFrameRate(DIR)}) {
      FrameIndex whole = Probe.probe(file).frames();
      int checked = 0;
      try (ProbeScan scan = ProbeScan.open(file, ProbeLimits.DEFAULT)) {
        while (!scan.advance(7)) {
          if (scan.packets() == 0) {
            continue;
          }
          FrameIndex partial = scan.snapshot().frames();
          int settled = scan.settledFrames();
          assertThat(settled).isEqualTo(Math.max(0, scan.packets() - ProbeScan.REORDER_BOUND));
          for (int i = 0; i < settled; i++) {
            assertThat(partial.pts(i)).as("%s frame %d", file, i).isEqualTo(whole.pts(i));
            assertThat(partial.isKeyframe(i)).isEqualTo(whole.isKeyframe(i));
            assertThat(partial.decodeOrder(i)).isEqualTo(whole.decodeOrder(i));
          }
          checked++;
        }
        assertThat(scan.settledFrames()).isEqualTo(whole.frameCount());
        assertThat(scan.snapshot().frames().ptsArray()).isEqualTo(whole.ptsArray());
      }
      assertThat(checked).isGreaterThan(10);
    }
  }

  /** A chunk cut from the start of the index, before the rest is read, is the chunk cut from the whole index. */
  @Test
  void segmentCutFromAnUnfinishedScanIsTheSame() throws Exception {
    Path file = TestVideos.openGop(DIR);
    MediaInfo whole = Probe.probe(file);
    ChunkRange range = new ChunkRange(1, 40, 60); // crosses the open-GOP keyframe at 48
    try (ProbeScan scan = ProbeScan.open(file, ProbeLimits.DEFAULT)) {
      while (scan.settledFrames() <= range.end()) {
        assertThat(scan.advance(1)).isFalse();
      }
      SegmentExtractor.extract(scan.snapshot(), range, temp.resolve("early.nut"));
      assertThat(scan.complete()).isFalse();
    }
    SegmentExtractor.extract(whole, range, temp.resolve("whole.nut"));
    assertThat(Files.readAllBytes(temp.resolve("early.nut"))).isEqualTo(Files.readAllBytes(temp.resolve("whole.nut")));
  }

  /** One open input serves chunks in any order (a reused input is rewound), each as a fresh open cuts it. */
  @Test
  void segmentsCutFromOneOpenInputAreTheSame() throws Exception {
    Path file = TestVideos.openGop(DIR);
    MediaInfo info = Probe.probe(file);
    List<ChunkRange> ranges = List.of(new ChunkRange(2, 90, 120), new ChunkRange(0, 0, 30),
        new ChunkRange(1, 40, 60), new ChunkRange(0, 0, 30));
    try (SegmentExtractor.Input in = SegmentExtractor.Input.open(info)) {
      for (int i = 0; i < ranges.size(); i++) {
        SegmentExtractor.extract(in, info, ranges.get(i), temp.resolve("reused-" + i + ".nut"));
        SegmentExtractor.extract(info, ranges.get(i), temp.resolve("fresh-" + i + ".nut"));
        assertThat(Files.readAllBytes(temp.resolve("reused-" + i + ".nut"))).as("chunk %s", ranges.get(i))
            .isEqualTo(Files.readAllBytes(temp.resolve("fresh-" + i + ".nut")));
      }
    }
  }

  /** A file cut short reads fine at first and fails when the scan reaches the cut, naming the file. */
  @Test
  void truncationIsFoundWhenTheScanGetsThere() {
    Path file = TestVideos.truncatedFaststartMp4(DIR);
    try (ProbeScan scan = ProbeScan.open(file, ProbeLimits.DEFAULT)) {
      assertThat(scan.advance(5)).isFalse();
      assertThat(scan.snapshot().frames().frameCount()).isEqualTo(5);
      assertThatThrownBy(() -> scan.advance(Integer.MAX_VALUE)).isInstanceOf(MediaException.class)
          .hasMessageContaining(file.toString()).hasMessageContaining("truncated");
    }
  }
}

package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoded chunk frames compared with the ffmpeg command's decode of the whole file, frame by frame. */
class ChunkDecoderTest {
  private static final Path DIR = TestVideos.cacheDir();

  @TempDir
  Path temp;

  @Test
  void rangeStartingAtLeadingBFrameOfOpenGop() {
    Path file = TestVideos.openGop(DIR);
    MediaInfo info = Probe.probe(file);
    FrameIndex index = info.frames();
    // Frame 46 is presented before keyframe 48 but decoded after it, referencing the GOP of keyframe 0.
    assertThat(index.decodeOrder(46)).isGreaterThan(index.decodeOrder(48));
    assertThat(index.prerollKeyframe(46, 50)).isZero();

    assertDecodesLikeFfmpeg(info, new ChunkRange(0, 46, 50), FrameHashes.video(file));
  }

  @Test
  void everyRangeOfOpenGop() {
    Path file = TestVideos.openGop(DIR);
    MediaInfo info = Probe.probe(file);
    List<String> expected = FrameHashes.video(file);
    for (ChunkRange range : ChunkPlanner.plan(info.frames().frameCount(), 5)) {
      assertDecodesLikeFfmpeg(info, range, expected);
    }
  }

  @Test
  void variableFrameRateKeepsEachFramesPts() {
    Path file = TestVideos.variableFrameRate(DIR);
    MediaInfo info = Probe.probe(file);
    List<String> expected = FrameHashes.video(file);
    for (ChunkRange range : ChunkPlanner.plan(info.frames().frameCount(), 17)) {
      assertDecodesLikeFfmpeg(info, range, expected);
    }
  }

  @Test
  void oddSizeYuv444StaysYuv444() {
    Path file = TestVideos.oddSize(DIR);
    MediaInfo info = Probe.probe(file);
    ChunkRange range = new ChunkRange(1, 10, 20);
    ChunkSource source = SegmentExtractor.extract(info, range, temp.resolve("odd.nut"));
    try (ChunkDecoder decoder = ChunkDecoder.open(temp.resolve("odd.nut"), source)) {
      assertThat(decoder.width()).isEqualTo(853);
      assertThat(decoder.height()).isEqualTo(479);
      assertThat(decoder.layout()).isEqualTo(PixelLayout.YUV444P);
    }
    assertDecodesLikeFfmpeg(info, range, FrameHashes.video(file));
  }

  @Test
  void wrongExpectedCountFailsNamingTheChunk() {
    MediaInfo info = Probe.probe(TestVideos.small(DIR));
    Path segment = temp.resolve("seg.nut");
    ChunkSource real = SegmentExtractor.extract(info, new ChunkRange(3, 30, 40), segment);
    ChunkSource wrong = new ChunkSource(3, real.firstPts(), real.endPts(), 11);
    try (ChunkDecoder decoder = ChunkDecoder.open(segment, wrong)) {
      VideoFrame frame = VideoFrame.allocate(decoder.width(), decoder.height(), decoder.layout());
      assertThatThrownBy(() -> {
        while (decoder.read(frame)) {
          // drain
        }
      }).isInstanceOf(MediaException.class).hasMessageContaining("chunk 3 yielded 10 frames, expected 11");
    }
  }

  @Test
  void frameOfAnotherSizeIsRefused() {
    MediaInfo info = Probe.probe(TestVideos.small(DIR));
    Path segment = temp.resolve("seg.nut");
    ChunkSource source = SegmentExtractor.extract(info, new ChunkRange(0, 0, 5), segment);
    try (ChunkDecoder decoder = ChunkDecoder.open(segment, source)) {
      assertThatThrownBy(() -> decoder.read(VideoFrame.allocate(16, 16, PixelLayout.YUV420P)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private void assertDecodesLikeFfmpeg(MediaInfo info, ChunkRange range, List<String> expected) {
    Path segment = temp.resolve("segment-" + range.index() + "-" + range.start() + ".nut");
    ChunkSource source = SegmentExtractor.extract(info, range, segment);
    assertThat(source.expectedFrames()).isEqualTo(range.frames());
    List<String> hashes = new ArrayList<>();
    List<Long> pts = new ArrayList<>();
    try (ChunkDecoder decoder = ChunkDecoder.open(segment, source)) {
      VideoFrame frame = VideoFrame.allocate(decoder.width(), decoder.height(), decoder.layout());
      while (decoder.read(frame)) {
        hashes.add(md5(frame));
        pts.add(frame.pts());
      }
    }
    assertThat(hashes).as("frames of %s", range).isEqualTo(expected.subList(range.start(), range.end()));
    List<Long> expectedPts = new ArrayList<>();
    for (int i = range.start(); i < range.end(); i++) {
      expectedPts.add(info.frames().pts(i));
    }
    assertThat(pts).as("pts of %s", range).isEqualTo(expectedPts);
  }

  /** framemd5 hashes a frame's planes packed without padding: exactly a VideoFrame's bytes. */
  static String md5(VideoFrame frame) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      ByteBuffer bytes = frame.data().duplicate();
      bytes.clear().limit(frame.byteSize());
      md5.update(bytes);
      return HexFormat.of().formatHex(md5.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

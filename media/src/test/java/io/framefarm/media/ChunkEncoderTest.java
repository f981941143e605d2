package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.Ffprobe;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkEncoderTest {
  private static final Path DIR = TestVideos.cacheDir();

  @TempDir
  Path temp;

  @Test
  void chunkStartsWithIdrHasNoBFramesAndKeepsSourcePts() {
    MediaInfo info = Probe.probe(TestVideos.small(DIR));
    ChunkRange range = new ChunkRange(2, 37, 67); // starts mid-GOP, away from any source keyframe
    Path chunk = temp.resolve("chunk.nut");
    List<Long> sourcePts = transcode(info, range, chunk, EncodeSettings.defaults());

    List<Ffprobe.Frame> frames = Ffprobe.frames(chunk);
    assertThat(frames).hasSize(30);
    assertThat(frames.get(0).keyframe()).isTrue();
    assertThat(frames.get(0).pictType()).isEqualTo("I");
    assertThat(frames).extracting(Ffprobe.Frame::pictType).doesNotContain("B");
    assertThat(Ffprobe.firstPacketNalTypes(chunk)).as("NAL types of the first packet").contains(5).doesNotContain(1);
    // Reading the chunk back as a segment gives the source pts again, in the source time base.
    List<Long> decodedPts = decodePts(chunk, new ChunkSource(2, sourcePts.get(0), Long.MAX_VALUE, 30));
    assertThat(decodedPts).isEqualTo(sourcePts);
  }

  @Test
  void losslessKeepsEveryPixel() {
    Path file = TestVideos.small(DIR);
    MediaInfo info = Probe.probe(file);
    Path chunk = temp.resolve("lossless.nut");
    transcode(info, new ChunkRange(0, 0, 20), chunk, EncodeSettings.losslessDefaults());
    assertThat(FrameHashes.video(chunk)).isEqualTo(FrameHashes.video(file).subList(0, 20));
  }

  @Test
  void negativePtsSurviveTheNutContainer() {
    Path chunk = temp.resolve("negative.nut");
    VideoFrame frame = VideoFrame.allocate(64, 48, PixelLayout.GRAY8);
    try (ChunkEncoder encoder = ChunkEncoder.open(chunk, 64, 48, PixelLayout.GRAY8, 1, 1000, 25, 1,
        EncodeSettings.losslessDefaults())) {
      for (long pts = -80; pts < 120; pts += 40) {
        fill(frame, (byte) pts);
        frame.setPts(pts);
        encoder.write(frame);
      }
      assertThat(encoder.framesWritten()).isEqualTo(5);
    }
    assertThat(decodePts(chunk, new ChunkSource(0, -80, Long.MAX_VALUE, 5))).containsExactly(-80L, -40L, 0L, 40L, 80L);
  }

  @Test
  void refusesPtsThatDoNotIncrease() {
    VideoFrame frame = VideoFrame.allocate(64, 48, PixelLayout.YUV420P);
    try (ChunkEncoder encoder = ChunkEncoder.open(temp.resolve("c.nut"), 64, 48, PixelLayout.YUV420P, 1, 90000,
        30, 1, EncodeSettings.defaults())) {
      frame.setPts(3000);
      encoder.write(frame);
      assertThatThrownBy(() -> encoder.write(frame)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not follow");
    }
  }

  @Test
  void refusesFramesOfAnotherShapeAndOddSizedYuv420() {
    assertThatThrownBy(() -> ChunkEncoder.open(temp.resolve("odd.nut"), 853, 479, PixelLayout.YUV420P, 1, 25, 25, 1,
        EncodeSettings.losslessDefaults())).hasMessageContaining("YUV444P");
    try (ChunkEncoder encoder = ChunkEncoder.open(temp.resolve("c.nut"), 64, 48, PixelLayout.YUV420P, 1, 25, 25, 1,
        EncodeSettings.defaults())) {
      assertThatThrownBy(() -> encoder.write(VideoFrame.allocate(64, 48, PixelLayout.YUV444P)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private List<Long> transcode(MediaInfo info, ChunkRange range, Path chunk, EncodeSettings settings) {
    Path segment = temp.resolve("segment.nut");
    ChunkSource source = SegmentExtractor.extract(info, range, segment);
    VideoStreamInfo v = info.video();
    List<Long> pts = new ArrayList<>();
    try (ChunkDecoder decoder = ChunkDecoder.open(segment, source);
         ChunkEncoder encoder = ChunkEncoder.open(chunk, decoder.width(), decoder.height(), decoder.layout(),
             v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(), v.frameRateDen(), settings)) {
      VideoFrame frame = VideoFrame.allocate(decoder.width(), decoder.height(), decoder.layout());
      while (decoder.read(frame)) {
        pts.add(frame.pts());
        encoder.write(frame);
      }
      assertThat(encoder.framesWritten()).isEqualTo(range.frames());
    }
    return pts;
  }

  private static List<Long> decodePts(Path chunk, ChunkSource source) {
    List<Long> pts = new ArrayList<>();
    try (ChunkDecoder decoder = ChunkDecoder.open(chunk, source)) {
      VideoFrame frame = VideoFrame.allocate(decoder.width(), decoder.height(), decoder.layout());
      while (decoder.read(frame)) {
        pts.add(frame.pts());
      }
    }
    return pts;
  }

  private static void fill(VideoFrame frame, byte value) {
    for (int i = 0; i < frame.byteSize(); i++) {
      frame.data().put(i, value);
    }
  }
}

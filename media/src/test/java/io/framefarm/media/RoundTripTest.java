package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.Ffprobe;
import io.framefarm.media.testing.LocalPipeline;
import io.framefarm.media.testing.TestVideos;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole job without a cluster: probe, plan, extract, decode, (identity), lossless encode, assemble. The output
 * must decode, per the ffmpeg command, to exactly the input's frames, with the input's audio packets.
 */
class RoundTripTest {
  private static final Path DIR = TestVideos.cacheDir();
  private static final Map<Path, List<String>> SOURCE_HASHES = new ConcurrentHashMap<>();
  /** ffprobe runs per chunk file are costly at one frame per chunk: check this many, spread over the plan. */
  private static final int CHUNKS_CHECKED = 8;

  @TempDir
  Path temp;

  @ParameterizedTest(name = "20 s 720p in {0}-frame chunks")
  @ValueSource(ints = {7, 240, 1000})
  void mainCase(int chunkFrames) {
    assertRoundTrip(TestVideos.h264Aac(DIR, 20), chunkFrames, "out.mp4");
  }

  /**
   * One-frame chunks decode a keyframe-to-frame preroll each: on the 20 s source (x264's 250-frame GOPs) that took
   * 75 s on two cores, so this runs on 3 s of the same 720p encoding.
   */
  @Test
  void singleFrameChunks() {
    assertRoundTrip(TestVideos.h264Aac(DIR, 3), 1, "out.mp4");
  }

  @ParameterizedTest(name = "open GOP in {0}-frame chunks")
  @ValueSource(ints = {1, 7, 48, 50})
  void openGop(int chunkFrames) {
    assertRoundTrip(TestVideos.openGop(DIR), chunkFrames, "out.mp4");
  }

  @ParameterizedTest(name = "VFR in {0}-frame chunks to {1}")
  @CsvSource({"7, out.mkv", "13, out.mp4"})
  void variableFrameRate(int chunkFrames, String output) {
    assertRoundTrip(TestVideos.variableFrameRate(DIR), chunkFrames, output);
  }

  @Test
  void withoutAudio() {
    LocalPipeline.Result result = assertRoundTrip(TestVideos.noAudio(DIR), 9, "out.mp4");
    assertThat(result.assembly().audioPackets()).isZero();
  }

  @Test
  void oddSizeStaysYuv444() {
    LocalPipeline.Result result = assertRoundTrip(TestVideos.oddSize(DIR), 7, "out.mov");
    VideoStreamInfo out = Probe.probe(result.assembly().output()).video();
    assertThat(out.width()).isEqualTo(853);
    assertThat(out.height()).isEqualTo(479);
    assertThat(out.pixelFormat()).isEqualTo("yuv444p");
  }

  @Test
  void rotationIsCarriedOver() {
    LocalPipeline.Result result = assertRoundTrip(TestVideos.rotated90(DIR), 30, "out.mp4");
    assertThat(Probe.probe(result.assembly().output()).video().rotationDegrees()).isEqualTo(90);
  }

  @Test
  void everyAudioStreamIsCopied() {
    LocalPipeline.Result result = assertRoundTrip(TestVideos.twoAudioStreams(DIR), 16, "out.mp4");
    assertThat(Probe.probe(result.assembly().output()).audio()).hasSize(2);
  }

  private LocalPipeline.Result assertRoundTrip(Path source, int chunkFrames, String outputName) {
    Path output = temp.resolve(outputName);
    LocalPipeline.Result result = LocalPipeline.losslessCopy(source, chunkFrames, temp.resolve("work"), output);
    FrameIndex in = result.source().frames();

    assertThat(result.assembly().videoFrames()).isEqualTo(in.frameCount());
    List<String> expected = SOURCE_HASHES.computeIfAbsent(source, FrameHashes::video);
    List<String> actual = FrameHashes.video(output);
    assertThat(actual).as("decoded frames of the output").hasSameSizeAs(expected).isEqualTo(expected);

    assertSameTimestamps(result.source(), Probe.probe(output));
    assertSameAudio(source, output, result);
    assertChunksStartWithKeyframes(result.chunkFiles());
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no temp file left beside the output")
          .containsExactlyInAnyOrder(outputName, "work");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return result;
  }

  /** Every frame's presentation time is the source's (compared exactly, as rationals). */
  private static void assertSameTimestamps(MediaInfo source, MediaInfo output) {
    FrameIndex in = source.frames();
    FrameIndex out = output.frames();
    assertThat(out.frameCount()).isEqualTo(in.frameCount());
    VideoStreamInfo a = source.video();
    VideoStreamInfo b = output.video();
    for (int i = 0; i < in.frameCount(); i++) {
      BigInteger left = BigInteger.valueOf(in.pts(i))
          .multiply(BigInteger.valueOf((long) a.timeBaseNum() * b.timeBaseDen()));
      BigInteger right = BigInteger.valueOf(out.pts(i))
          .multiply(BigInteger.valueOf((long) b.timeBaseNum() * a.timeBaseDen()));
      assertThat(right).as("pts of frame %d (%d in %d/%d vs %d in %d/%d)", i, in.pts(i), a.timeBaseNum(),
          a.timeBaseDen(), out.pts(i), b.timeBaseNum(), b.timeBaseDen()).isEqualTo(left);
    }
  }

  /** Same packet bytes; same timestamps up to what the output container's time base can express. */
  private static void assertSameAudio(Path source, Path output, LocalPipeline.Result result) {
    List<FrameHashes.AudioPacket> in = FrameHashes.audioPacketDetails(source);
    List<FrameHashes.AudioPacket> out = FrameHashes.audioPacketDetails(output);
    assertThat(FrameHashes.audioPackets(output)).isEqualTo(FrameHashes.audioPackets(source));
    assertThat(result.assembly().audioPackets()).isEqualTo(in.size());
    double tolerance = output.toString().endsWith(".mkv") ? 0.0005 : 1e-9; // Matroska stores milliseconds
    for (int i = 0; i < in.size(); i++) {
      assertThat(out.get(i).ptsSeconds()).as("pts of audio packet %d", i)
          .isCloseTo(in.get(i).ptsSeconds(), org.assertj.core.data.Offset.offset(tolerance));
    }
  }

  private static void assertChunksStartWithKeyframes(List<Path> chunks) {
    int step = Math.max(1, chunks.size() / CHUNKS_CHECKED);
    for (int c = 0; c < chunks.size(); c += step) {
      assertChunkStartsWithKeyframe(chunks.get(c));
    }
    assertChunkStartsWithKeyframe(chunks.get(chunks.size() - 1));
  }

  private static void assertChunkStartsWithKeyframe(Path chunk) {
    Ffprobe.Frame first = Ffprobe.frames(chunk).get(0);
    assertThat(first.keyframe()).as("first frame of %s is a keyframe", chunk.getFileName()).isTrue();
    assertThat(first.pictType()).as("first frame of %s", chunk.getFileName()).isEqualTo("I");
  }
}

package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.testing.Ffprobe;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeTest {
  private static final Path DIR = TestVideos.cacheDir();

  @Test
  void readsStreamsOfTheMainCase() {
    Path file = TestVideos.h264Aac(DIR, 20);
    MediaInfo info = Probe.probe(file);

    assertThat(info.file()).isEqualTo(file);
    assertThat(info.container()).contains("mp4");
    assertThat(info.durationSeconds()).isCloseTo(20.0, org.assertj.core.data.Offset.offset(0.1));
    VideoStreamInfo v = info.video();
    assertThat(v.codec()).isEqualTo("h264");
    assertThat(v.width()).isEqualTo(1280);
    assertThat(v.height()).isEqualTo(720);
    assertThat(v.pixelFormat()).isEqualTo("yuv420p");
    assertThat(v.frameRateNum() / (double) v.frameRateDen()).isEqualTo(30.0);
    assertThat(v.timeBaseNum()).isEqualTo(1);
    assertThat(v.rotationDegrees()).isZero();
    assertThat(info.audio()).singleElement().satisfies(a -> {
      assertThat(a.codec()).isEqualTo("aac");
      assertThat(a.sampleRate()).isEqualTo(48000);
      assertThat(a.channels()).isEqualTo(1);
    });
    assertThat(info.frames().frameCount()).isEqualTo(600);
    assertMatchesFfprobe(file, info.frames());
  }

  @Test
  void indexesOpenGopWithBFramesExactly() {
    Path file = TestVideos.openGop(DIR);
    FrameIndex index = Probe.probe(file).frames();

    assertThat(index.frameCount()).isEqualTo(120);
    assertThat(index.keyframes()).containsExactly(0, 48, 96);
    assertMatchesFfprobe(file, index);
    // The fixture really is open-GOP: frames before keyframe 48 are decoded after it.
    assertThat(index.decodeOrder(47)).isGreaterThan(index.decodeOrder(48));
  }

  @Test
  void indexesVariableFrameRate() {
    Path file = TestVideos.variableFrameRate(DIR);
    MediaInfo info = Probe.probe(file);
    FrameIndex index = info.frames();

    assertThat(info.container()).contains("matroska");
    assertThat(info.video().timeBaseDen()).isEqualTo(1000);
    assertMatchesFfprobe(file, index);
    List<Long> intervals = new ArrayList<>();
    for (int i = 1; i < index.frameCount(); i++) {
      intervals.add(index.pts(i) - index.pts(i - 1));
    }
    assertThat(intervals.stream().distinct().count()).as("distinct frame intervals").isGreaterThan(10);
  }

  @Test
  void readsOddSizeAndYuv444() {
    MediaInfo info = Probe.probe(TestVideos.oddSize(DIR));
    assertThat(info.video().width()).isEqualTo(853);
    assertThat(info.video().height()).isEqualTo(479);
    assertThat(info.video().pixelFormat()).isEqualTo("yuv444p");
    assertThat(info.frames().frameCount()).isEqualTo(50);
  }

  @Test
  void readsRotationFromTheDisplayMatrix() {
    assertThat(Probe.probe(TestVideos.rotated90(DIR)).video().rotationDegrees()).isEqualTo(90);
  }

  @Test
  void listsEveryAudioStreamAndNoneWhenAbsent() {
    assertThat(Probe.probe(TestVideos.twoAudioStreams(DIR)).audio())
        .extracting(AudioStreamInfo::index, AudioStreamInfo::sampleRate)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 48000),
            org.assertj.core.groups.Tuple.tuple(2, 44100));
    assertThat(Probe.probe(TestVideos.noAudio(DIR)).audio()).isEmpty();
  }

  @Test
  void lastFrameDurationComesFromTheContainer() {
    FrameIndex index = Probe.probe(TestVideos.small(DIR)).frames();
    assertThat(index.lastFrameDuration()).isEqualTo(index.pts(1) - index.pts(0));
  }

  @Test
  void packetsWithoutPtsUseDtsOnlyWhenFramesAreNotReordered() {
    long none = org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
    long[] noPts = {none, none, none};
    long[] dts = {0, 10, 20};
    long[] durations = {10, 10, 0};
    Path file = Path.of("raw.h264");

    FrameIndex index = Probe.index(noPts, dts, new boolean[] {true, false, false}, durations, 0, 10, file);
    assertThat(index.ptsArray()).containsExactly(0, 10, 20);
    assertThat(index.lastFrameDuration()).isEqualTo(10);

    assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(MediaException.class,
        () -> Probe.index(noPts, dts, new boolean[3], durations, 2, 10, file)).reason())
        .isEqualTo("3 of 3 video packets have no pts and the codec reorders frames");
    assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(MediaException.class,
        () -> Probe.index(new long[] {0, none, 20}, dts, new boolean[3], durations, 0, 10, file)).reason())
        .isEqualTo("1 of 3 video packets have no pts");
    assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(MediaException.class,
        () -> Probe.index(new long[] {0, 10, 10}, dts, new boolean[3], durations, 0, 10, file)).reason())
        .isEqualTo("two video frames share pts 10");
  }

  /** Frame count, sorted pts, keyframe flags and decode order as ffprobe's packet listing gives them. */
  private static void assertMatchesFfprobe(Path file, FrameIndex index) {
    List<Ffprobe.Packet> packets = Ffprobe.packets(file);
    assertThat(index.frameCount()).isEqualTo(packets.size());
    for (int d = 0; d < packets.size(); d++) {
      Ffprobe.Packet p = packets.get(d);
      int frame = index.frameAtDecodePosition(d);
      assertThat(index.pts(frame)).as("pts of packet %d", d).isEqualTo(p.pts());
      assertThat(index.isKeyframe(frame)).as("key flag of packet %d", d).isEqualTo(p.keyframe());
    }
    for (int i = 1; i < index.frameCount(); i++) {
      assertThat(index.pts(i)).isGreaterThan(index.pts(i - 1));
    }
  }
}

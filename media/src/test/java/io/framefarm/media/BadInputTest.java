package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.framefarm.media.testing.TestVideos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way an input can be unusable ends in a MediaException that names the file and the cause. */
class BadInputTest {
  private static final Path DIR = TestVideos.cacheDir();

  @TempDir
  Path temp;

  @Test
  void missingFile() {
    assertFails(temp.resolve("nope.mp4"), "no such file");
  }

  @Test
  void directory() {
    assertFails(temp, "is a directory");
  }

  @Test
  void textFile() {
    assertFails(TestVideos.textFile(DIR), "not a readable media file");
  }

  @Test
  void randomBytes() {
    MediaException e = probeFailure(TestVideos.randomBytes(DIR));
    assertThat(e.reason()).containsAnyOf("not a readable media file", "no video stream");
  }

  @Test
  void audioOnly() {
    assertFails(TestVideos.audioOnly(DIR), "no video stream");
  }

  @Test
  void mp4CutInHalfHasNoIndex() {
    MediaException e = assertFails(TestVideos.truncatedMp4(DIR), "not a readable media file");
    assertThat(e.reason()).contains("moov atom not found");
  }

  @Test
  void faststartMp4CutInHalfIsTruncated() {
    assertFails(TestVideos.truncatedFaststartMp4(DIR), "truncated");
  }

  @Test
  void zeroFrames() {
    assertFails(TestVideos.zeroFrames(DIR), "no video frames");
  }

  @Test
  void fifoIsRefusedWithoutOpeningIt() throws Exception {
    Path fifo = temp.resolve("pipe.mp4");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();
    // Opening a FIFO with no writer blocks forever: reaching the assertion at all shows it was not opened.
    assertFails(fifo, "is not a regular file");
  }

  @Test
  void stillImageNamedMp4IsNotAVideo() {
    Path png = TestVideos.generate(DIR, "still-64x48.png", List.of("-f", "lavfi", "-i",
        "testsrc2=size=64x48:rate=1:duration=1", "-frames:v", "1", "-f", "image2", "-c:v", "png"));
    Path disguised = temp.resolve("holiday.mp4");
    copy(png, disguised);
    MediaException e = catchThrowableOfType(MediaException.class, () -> Probe.probe(disguised, ProbeLimits.DEFAULT));
    assertThat(e.reason()).contains("is a still image (png_pipe), not a video");
  }

  @Test
  void frameSizeOverTheLimitIsRefusedFromTheHeader() {
    var limits = new ProbeLimits(256, 256, 256 * 200, Duration.ofMinutes(1));
    MediaException e = catchThrowableOfType(MediaException.class,
        () -> Probe.probe(TestVideos.small(DIR), limits));
    assertThat(e.reason()).isEqualTo("frame size 320x240 is over the limit (at most 256x256 and 51200 pixels)");
    assertThat(Probe.probe(TestVideos.small(DIR), new ProbeLimits(320, 240, 320 * 240, Duration.ofMinutes(1)))
        .frames().frameCount()).isEqualTo(90);
  }

  @Test
  void probeThatRunsOutOfTimeStops() {
    var limits = new ProbeLimits(8192, 8192, 8192L * 8192, Duration.ofNanos(1));
    MediaException e = catchThrowableOfType(MediaException.class, () -> Probe.probe(TestVideos.small(DIR), limits));
    assertThat(e.reason()).startsWith("probing took longer than 0 s");
  }

  private static void copy(Path from, Path to) {
    try {
      java.nio.file.Files.copy(from, to);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static MediaException assertFails(Path file, String cause) {
    MediaException e = probeFailure(file);
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.reason()).contains(cause);
    assertThat(e.getMessage()).startsWith(file + ": ").contains(cause);
    return e;
  }

  private static MediaException probeFailure(Path file) {
    MediaException e = catchThrowableOfType(MediaException.class, () -> Probe.probe(file));
    assertThat(e).as("probe of %s", file).isNotNull();
    return e;
  }
}

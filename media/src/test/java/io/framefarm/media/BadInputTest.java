package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.framefarm.media.testing.TestVideos;
import java.nio.file.Path;
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

package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.testing.Ffmpeg;
import io.framefarm.media.testing.FrameHashes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleVideoTest {
  @TempDir
  Path dir;

  @Test
  void generatesAnH264AacVideoOfTheRequestedLength() {
    Path video = SampleVideo.generate(dir.resolve("sample.mp4"), 2, 320, 240, 30);
    MediaInfo info = Probe.probe(video);
    assertThat(info.video().codec()).isEqualTo("h264");
    assertThat(info.video().width()).isEqualTo(320);
    assertThat(info.frames().frameCount()).isEqualTo(60);
    assertThat(info.audio()).extracting(AudioStreamInfo::codec).containsExactly("aac");
  }

  @Test
  void aCaptionIsDrawnOnAWhiteBand() throws Exception {
    Path video = SampleVideo.generate(dir.resolve("caption.mp4"), 1, 320, 240, 30, "FRAMEFARM");
    assertBlackLettersOnWhite(video);
  }

  @Test
  void withoutFontsTheCaptionIsDrawnInTheBlockFont() throws Exception {
    Path video = SampleVideo.generate(dir.resolve("block.mp4"), SampleVideo.Pattern.BARS, 1, 320, 240, 30,
        Captioner.blockFont("FRAMEFARM 2026", 320, 240));
    assertBlackLettersOnWhite(video);
  }

  @Test
  void movingPicturesDifferFromFrameToFrame() {
    Path video = SampleVideo.generate(dir.resolve("moving.mp4"), 1, 160, 120, 30);
    List<String> hashes = FrameHashes.video(video);
    assertThat(hashes).hasSize(30).doesNotHaveDuplicates();
  }

  private void assertBlackLettersOnWhite(Path video) throws Exception {
    Path gray = dir.resolve("frame.gray");
    Files.deleteIfExists(gray);
    Ffmpeg.ffmpeg(List.of("-i", video.toString(), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray",
        gray.toString()));
    byte[] y = Files.readAllBytes(gray);
    int[] band = Captioner.band(320, 240);
    int white = 0;
    int black = 0;
    for (int row = band[1] + 1; row < band[1] + band[3] - 1; row++) {
      for (int col = band[0] + 1; col < band[0] + band[2] - 1; col++) {
        int v = y[row * 320 + col] & 0xff;
        white += v > 200 ? 1 : 0;
        black += v < 60 ? 1 : 0;
      }
    }
    int area = (band[2] - 2) * (band[3] - 2);
    assertThat(white).as("white band").isGreaterThan(area / 2);
    assertThat(black).as("black letters").isGreaterThan(area / 20);
  }
}

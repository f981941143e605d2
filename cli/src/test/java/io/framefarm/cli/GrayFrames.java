package io.framefarm.cli;

import io.framefarm.media.testing.Ffmpeg;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Luma planes of decoded frames, read with Debian's ffmpeg as an independent decoder. */
final class GrayFrames {
  private GrayFrames() {}

  /** The luma of frame {@code index} (presentation order), {@code width * height} bytes. */
  static byte[] frame(Path video, int index, Path scratch) {
    Path out = scratch.resolve(video.getFileName() + "-" + index + ".gray");
    Ffmpeg.ffmpeg(List.of("-y", "-i", video.toString(), "-vf", "select=eq(n\\," + index + ")", "-frames:v", "1",
        "-f", "rawvideo", "-pix_fmt", "gray", out.toString()));
    try {
      return Files.readAllBytes(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Mean absolute difference of two luma planes inside (or, with {@code inside} false, outside) a box. */
  static double meanDifference(byte[] a, byte[] b, int width, int[] box, boolean inside) {
    long sum = 0;
    long count = 0;
    int height = a.length / width;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        boolean in = x >= box[0] && x < box[0] + box[2] && y >= box[1] && y < box[1] + box[3];
        if (in == inside) {
          sum += Math.abs((a[y * width + x] & 0xff) - (b[y * width + x] & 0xff));
          count++;
        }
      }
    }
    return count == 0 ? 0 : (double) sum / count;
  }

  /** Share of samples that differ at all, outside every box of {@code excluded}. */
  static double changedFraction(byte[] a, byte[] b, int width, List<int[]> excluded) {
    long changed = 0;
    long count = 0;
    int height = a.length / width;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        final int px = x;
        final int py = y;
        if (excluded.stream().anyMatch(r -> px >= r[0] && px < r[0] + r[2] && py >= r[1] && py < r[1] + r[3])) {
          continue;
        }
        count++;
        changed += a[y * width + x] != b[y * width + x] ? 1 : 0;
      }
    }
    return count == 0 ? 0 : (double) changed / count;
  }
}

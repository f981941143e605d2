package io.framefarm.worker.pipeline;

import io.framefarm.media.PixelLayout;
import io.framefarm.media.VideoFrame;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;

/** Frames for stage tests, painted in RGB and stored as BT.601 limited-range YUV 4:2:0. */
final class TestFrames {
  private TestFrames() {}

  static VideoFrame gray(int width, int height, int luma) {
    VideoFrame frame = VideoFrame.allocate(width, height, PixelLayout.YUV420P);
    ByteBuffer data = frame.data();
    for (int i = 0; i < frame.byteSize(); i++) {
      data.put(i, (byte) (i < width * height ? luma : 128));
    }
    return frame;
  }

  /** {@code rgb[y][x]} as 0xRRGGBB; chroma from the mean of each 2x2 block. */
  static VideoFrame fromRgb(int[][] rgb) {
    int height = rgb.length;
    int width = rgb[0].length;
    VideoFrame frame = VideoFrame.allocate(width, height, PixelLayout.YUV420P);
    ByteBuffer data = frame.data();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int p = rgb[y][x];
        data.put(y * width + x, (byte) Math.round(16 + 0.256788 * (p >> 16 & 0xff) + 0.504129 * (p >> 8 & 0xff)
            + 0.097906 * (p & 0xff)));
      }
    }
    int cw = frame.planeWidth(1);
    for (int cy = 0; cy < frame.planeHeight(1); cy++) {
      for (int cx = 0; cx < cw; cx++) {
        double r = 0;
        double g = 0;
        double b = 0;
        int n = 0;
        for (int y = 2 * cy; y < Math.min(2 * cy + 2, height); y++) {
          for (int x = 2 * cx; x < Math.min(2 * cx + 2, width); x++) {
            int p = rgb[y][x];
            r += p >> 16 & 0xff;
            g += p >> 8 & 0xff;
            b += p & 0xff;
            n++;
          }
        }
        r /= n;
        g /= n;
        b /= n;
        data.put(frame.planeOffset(1) + cy * cw + cx, (byte) Math.round(128 - 0.148223 * r - 0.290993 * g
            + 0.439216 * b));
        data.put(frame.planeOffset(2) + cy * cw + cx, (byte) Math.round(128 + 0.439216 * r - 0.367788 * g
            - 0.071427 * b));
      }
    }
    return frame;
  }

  static VideoFrame fromImage(BufferedImage image) {
    int[][] rgb = new int[image.getHeight()][image.getWidth()];
    for (int y = 0; y < rgb.length; y++) {
      for (int x = 0; x < rgb[0].length; x++) {
        rgb[y][x] = image.getRGB(x, y) & 0xffffff;
      }
    }
    return fromRgb(rgb);
  }

  static int[][] fill(int width, int height, int color) {
    int[][] rgb = new int[height][width];
    for (int[] row : rgb) {
      java.util.Arrays.fill(row, color);
    }
    return rgb;
  }

  static void rect(int[][] rgb, int x0, int y0, int w, int h, int color) {
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        rgb[y][x] = color;
      }
    }
  }

  static int luma(VideoFrame frame, int x, int y) {
    return frame.data().get(y * frame.width() + x) & 0xff;
  }

  static int chroma(VideoFrame frame, int plane, int x, int y) {
    return frame.data().get(frame.planeOffset(plane) + (y >> 1) * frame.planeWidth(plane) + (x >> 1)) & 0xff;
  }

  static byte[] bytes(VideoFrame frame) {
    byte[] copy = new byte[frame.byteSize()];
    frame.data().get(0, copy);
    return copy;
  }
}

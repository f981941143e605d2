package io.framefarm.worker.pipeline;

import io.framefarm.media.VideoFrame;
import java.nio.ByteBuffer;

/**
 * BT.601 limited-range ("studio swing") conversion between a frame's 8-bit planes and planar float
 * RGB in 0..255, the matrix FFmpeg's swscale assumes when a stream does not say otherwise. Luma 16..235
 * maps to 0..255, so a grey Y=v round-trips exactly, and an RGB edit that keeps grey maps back to grey.
 *
 * <p>Chroma planes are read by nearest sample and written as the average over the pixels each chroma
 * sample covers; {@link io.framefarm.media.PixelLayout#GRAY8} frames have neutral chroma.
 */
final class YuvRgb {
  private static final float KY = 255f / 219f;

  private YuvRgb() {}

  /** Converts the whole frame into {@code rgb} (R plane, then G, then B, each width x height). */
  static void toRgb(VideoFrame frame, float[] rgb) {
    int w = frame.width();
    int h = frame.height();
    int n = w * h;
    ByteBuffer data = frame.data();
    boolean chroma = frame.planeCount() == 3;
    int sx = chroma ? shiftX(frame) : 0;
    int sy = chroma ? shiftY(frame) : 0;
    int uOff = chroma ? frame.planeOffset(1) : 0;
    int vOff = chroma ? frame.planeOffset(2) : 0;
    int cw = chroma ? frame.planeWidth(1) : 0;
    for (int y = 0; y < h; y++) {
      int row = y * w;
      int crow = (y >> sy) * cw;
      for (int x = 0; x < w; x++) {
        float c = KY * ((data.get(row + x) & 0xff) - 16);
        float d = 0;
        float e = 0;
        if (chroma) {
          int ci = crow + (x >> sx);
          d = (data.get(uOff + ci) & 0xff) - 128;
          e = (data.get(vOff + ci) & 0xff) - 128;
        }
        int i = row + x;
        rgb[i] = clamp(c + 1.596027f * e);
        rgb[n + i] = clamp(c - 0.391762f * d - 0.812968f * e);
        rgb[2 * n + i] = clamp(c + 2.017232f * d);
      }
    }
  }

  /**
   * Writes the rectangle back: luma for its pixels, chroma for every chroma sample it touches (from
   * all the pixels that sample covers, so a sample half inside is still the average of its block).
   */
  static void toYuv(float[] rgb, VideoFrame frame, int x0, int y0, int rw, int rh) {
    int w = frame.width();
    int n = w * frame.height();
    ByteBuffer data = frame.data();
    for (int y = y0; y < y0 + rh; y++) {
      for (int x = x0; x < x0 + rw; x++) {
        int i = y * w + x;
        data.put(i, (byte) round(16 + 0.256788f * rgb[i] + 0.504129f * rgb[n + i] + 0.097906f * rgb[2 * n + i]));
      }
    }
    if (frame.planeCount() != 3) {
      return;
    }
    int sx = shiftX(frame);
    int sy = shiftY(frame);
    int cw = frame.planeWidth(1);
    int uOff = frame.planeOffset(1);
    int vOff = frame.planeOffset(2);
    int h = frame.height();
    for (int cy = y0 >> sy; cy <= (y0 + rh - 1) >> sy; cy++) {
      for (int cx = x0 >> sx; cx <= (x0 + rw - 1) >> sx; cx++) {
        float r = 0;
        float g = 0;
        float b = 0;
        int count = 0;
        for (int y = cy << sy; y < Math.min((cy + 1) << sy, h); y++) {
          for (int x = cx << sx; x < Math.min((cx + 1) << sx, w); x++) {
            int i = y * w + x;
            r += rgb[i];
            g += rgb[n + i];
            b += rgb[2 * n + i];
            count++;
          }
        }
        r /= count;
        g /= count;
        b /= count;
        int ci = cy * cw + cx;
        data.put(uOff + ci, (byte) round(128 - 0.148223f * r - 0.290993f * g + 0.439216f * b));
        data.put(vOff + ci, (byte) round(128 + 0.439216f * r - 0.367788f * g - 0.071427f * b));
      }
    }
  }

  static int shiftX(VideoFrame frame) {
    return frame.planeWidth(1) < frame.width() ? 1 : 0;
  }

  static int shiftY(VideoFrame frame) {
    return frame.planeHeight(1) < frame.height() ? 1 : 0;
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : Math.min(v, 255f);
  }

  private static int round(float v) {
    int r = (int) (v + 0.5f);
    return r < 0 ? 0 : Math.min(r, 255);
  }
}

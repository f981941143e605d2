package io.framefarm.worker.pipeline;

import io.framefarm.media.VideoFrame;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the stages of one chunk share for the frame in hand: its RGB view, kept in step with its
 * YUV planes lazily, and the regions the last detect stage found.
 *
 * <p>The RGB planes are allocated for the first frame and reused for every later one (a chunk's frames
 * all have one size). RGB is converted only when a stage asks for it, and written back only where a
 * stage changed it: a pipeline that only reads RGB (a detector before a blur) leaves every pixel it
 * did not edit bit-exact, since a YUV -> RGB -> YUV round trip is not lossless for out-of-gamut samples.
 */
final class FrameWorkspace {

  private VideoFrame frame;
  private int width;
  private int height;
  private float[] rgb;
  private boolean rgbValid;
  private int[] dirty = new int[32]; // x, y, w, h per changed rectangle
  private int dirtyCount;
  private List<Region> regions = List.of();

  void begin(VideoFrame next) {
    if (rgb == null || next.width() != width || next.height() != height) {
      width = next.width();
      height = next.height();
      rgb = new float[3 * width * height];
    }
    frame = next;
    rgbValid = false;
    dirtyCount = 0;
    regions = List.of();
  }

  int width() {
    return width;
  }

  int height() {
    return height;
  }

  long pts() {
    return frame.pts();
  }

  /** Planar RGB in 0..255 (R, G, B planes of width x height), converted from the frame if stale. */
  float[] rgb() {
    if (!rgbValid) {
      YuvRgb.toRgb(frame, rgb);
      rgbValid = true;
    }
    return rgb;
  }

  /** Records that a stage wrote RGB inside the rectangle; it goes back to YUV before the next YUV access. */
  void rgbChanged(int x, int y, int w, int h) {
    if (dirtyCount * 4 == dirty.length) {
      dirty = Arrays.copyOf(dirty, dirty.length * 2);
    }
    int i = dirtyCount++ * 4;
    dirty[i] = x;
    dirty[i + 1] = y;
    dirty[i + 2] = w;
    dirty[i + 3] = h;
  }

  /** The frame with every RGB change written back, for stages that edit the planes directly. */
  VideoFrame yuv() {
    for (int i = 0; i < dirtyCount * 4; i += 4) {
      YuvRgb.toYuv(rgb, frame, dirty[i], dirty[i + 1], dirty[i + 2], dirty[i + 3]);
    }
    dirtyCount = 0;
    return frame;
  }

  /** Records that a stage edited the planes directly, so the RGB view is stale. */
  void yuvChanged() {
    rgbValid = false;
  }

  /** Writes back what is left at the end of the frame. */
  void end() {
    yuv();
    frame = null;
  }

  List<Region> regions() {
    return regions;
  }

  void setRegions(List<Region> found) {
    regions = List.copyOf(found);
  }

  /** For tests: the RGB array, to check it is reused across frames. */
  float[] rgbArray() {
    return rgb;
  }

  static List<Region> sortedLargestFirst(List<Region> regions, int max) {
    List<Region> sorted = new ArrayList<>(regions);
    sorted.sort((a, b) -> Long.compare(b.area(), a.area()));
    return sorted.size() > max ? sorted.subList(0, max) : sorted;
  }
}

package io.framefarm.worker.pipeline;

import io.framefarm.media.VideoFrame;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.pipeline.StageSpec.RegionEffect.Effect;
import java.nio.ByteBuffer;

/**
 * {@code region-effect}: blurs or pixelates each region on the decoded planes, so nothing outside the
 * regions changes by a single bit. Blur is three box-blur passes each way (close to a Gaussian),
 * restricted to the region so no outside pixel leaks in or out.
 */
final class RegionEffectStage implements WorkspaceStage {

  private static final int BLUR_PASSES = 3;

  private final StageSpec.RegionEffect spec;
  // One line of samples and its prefix sums, sized for the frame's longest side and reused.
  private int[] line = new int[0];
  private long[] prefix = new long[1];

  RegionEffectStage(StageSpec.RegionEffect spec) {
    this.spec = spec;
  }

  @Override
  public void apply(FrameWorkspace workspace) {
    if (workspace.regions().isEmpty()) {
      return;
    }
    VideoFrame frame = workspace.yuv();
    int longest = Math.max(frame.width(), frame.height());
    if (line.length < longest) {
      line = new int[longest];
      prefix = new long[longest + 1];
    }
    for (Region found : workspace.regions()) {
      Region r = found.grow(spec.padding(), frame.width(), frame.height());
      int strength = spec.strength() > 0 ? spec.strength()
          : Math.max(4, Math.min(r.width(), r.height()) / (spec.effect() == Effect.BLUR ? 2 : 3));
      for (int p = 0; p < frame.planeCount(); p++) {
        int sx = frame.planeWidth(p) < frame.width() ? 1 : 0;
        int sy = frame.planeHeight(p) < frame.height() ? 1 : 0;
        int x0 = r.x() >> sx;
        int y0 = r.y() >> sy;
        int x1 = ((r.x() + r.width() - 1) >> sx) + 1;
        int y1 = ((r.y() + r.height() - 1) >> sy) + 1;
        int size = Math.max(1, strength >> sx);
        if (spec.effect() == Effect.BLUR) {
          blur(frame, p, x0, y0, x1, y1, size);
        } else {
          pixelate(frame, p, x0, y0, x1, y1, size);
        }
      }
    }
    workspace.yuvChanged();
  }

  private void blur(VideoFrame frame, int plane, int x0, int y0, int x1, int y1, int radius) {
    ByteBuffer data = frame.data();
    int base = frame.planeOffset(plane);
    int stride = frame.planeWidth(plane);
    for (int pass = 0; pass < BLUR_PASSES; pass++) {
      for (int y = y0; y < y1; y++) {
        boxLine(data, base + y * stride + x0, 1, x1 - x0, radius);
      }
      for (int x = x0; x < x1; x++) {
        boxLine(data, base + y0 * stride + x, stride, y1 - y0, radius);
      }
    }
  }

  /**
   * Replaces {@code count} samples from {@code start}, {@code step} apart, by their mean over +-radius (clipped to the
   * line).
   */
  private void boxLine(ByteBuffer data, int start, int step, int count, int radius) {
    for (int i = 0; i < count; i++) {
      line[i] = data.get(start + i * step) & 0xff;
      prefix[i + 1] = prefix[i] + line[i];
    }
    for (int i = 0; i < count; i++) {
      int lo = Math.max(0, i - radius);
      int hi = Math.min(count, i + radius + 1);
      data.put(start + i * step, (byte) ((prefix[hi] - prefix[lo] + (hi - lo) / 2) / (hi - lo)));
    }
  }

  private static void pixelate(VideoFrame frame, int plane, int x0, int y0, int x1, int y1, int block) {
    ByteBuffer data = frame.data();
    int base = frame.planeOffset(plane);
    int stride = frame.planeWidth(plane);
    for (int by = y0; by < y1; by += block) {
      for (int bx = x0; bx < x1; bx += block) {
        int ey = Math.min(by + block, y1);
        int ex = Math.min(bx + block, x1);
        long sum = 0;
        for (int y = by; y < ey; y++) {
          for (int x = bx; x < ex; x++) {
            sum += data.get(base + y * stride + x) & 0xff;
          }
        }
        int n = (ey - by) * (ex - bx);
        byte mean = (byte) ((sum + n / 2) / n);
        for (int y = by; y < ey; y++) {
          for (int x = bx; x < ex; x++) {
            data.put(base + y * stride + x, mean);
          }
        }
      }
    }
  }

  @Override
  public String describe() {
    return "region-effect (" + spec.effect().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}

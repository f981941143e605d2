package io.framefarm.media;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Immutable frame index from a packet scan (no decoding). Frames are in presentation (PTS) order; frame
 * {@code i}'s compressed packet is the {@code decodeOrder(i)}-th video packet of the file. One packet per frame.
 */
public final class FrameIndex {
  private final long[] pts;
  private final boolean[] keyframe;
  private final int[] decodeOrder;
  private final int[] frameAtDecode;
  private final List<Integer> keyframes;
  private final long lastFrameDuration;

  private FrameIndex(long[] pts, boolean[] keyframe, int[] decodeOrder, long lastFrameDuration) {
    if (pts.length == 0) {
      throw new IllegalArgumentException("a frame index needs at least one frame");
    }
    if (lastFrameDuration <= 0) {
      throw new IllegalArgumentException("last frame duration must be positive: " + lastFrameDuration);
    }
    this.lastFrameDuration = lastFrameDuration;
    this.pts = pts;
    this.keyframe = keyframe;
    this.decodeOrder = decodeOrder;
    this.frameAtDecode = new int[pts.length];
    Arrays.fill(frameAtDecode, -1);
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < pts.length; i++) {
      if (i > 0 && pts[i] <= pts[i - 1]) {
        throw new IllegalArgumentException("pts not strictly increasing at frame " + i);
      }
      int d = decodeOrder[i];
      if (d < 0 || d >= pts.length || frameAtDecode[d] != -1) {
        throw new IllegalArgumentException("decode order is not a permutation at frame " + i);
      }
      frameAtDecode[d] = i;
      if (keyframe[i]) {
        keys.add(i);
      }
    }
    this.keyframes = List.copyOf(keys);
  }

  /**
   * Builds an index from per-frame arrays in presentation order (copied) and the last frame's display duration
   * (time base units, positive). Used by the probe and by whoever rebuilds an index from a persisted form.
   */
  public static FrameIndex of(long[] pts, boolean[] keyframe, int[] decodeOrder, long lastFrameDuration) {
    if (pts.length != keyframe.length || pts.length != decodeOrder.length) {
      throw new IllegalArgumentException("array lengths differ");
    }
    return new FrameIndex(pts.clone(), keyframe.clone(), decodeOrder.clone(), lastFrameDuration);
  }

  public int frameCount() {
    return pts.length;
  }

  public long pts(int i) {
    return pts[i];
  }

  public boolean isKeyframe(int i) {
    return keyframe[i];
  }

  /**
   * How long frame {@code i} is shown: up to the next frame's pts, and for the last frame the duration the source
   * stored. The assembler writes these, since a container that loses the last duration drops the last frame.
   */
  public long duration(int i) {
    return i + 1 < pts.length ? pts[i + 1] - pts[i] : lastFrameDuration;
  }

  public long lastFrameDuration() {
    return lastFrameDuration;
  }

  /** Position of frame {@code i}'s packet in decode order. */
  public int decodeOrder(int i) {
    return decodeOrder[i];
  }

  /** The presentation index of the frame whose packet is at {@code position} in decode order. */
  public int frameAtDecodePosition(int position) {
    return frameAtDecode[position];
  }

  /** {@code pts(end)} if {@code end < frameCount}, else {@link Long#MAX_VALUE}: the exclusive pts bound of a range. */
  public long endPts(int end) {
    return end < pts.length ? pts[end] : Long.MAX_VALUE;
  }

  /** Presentation index of the frame with exactly this pts, or -1. */
  public int indexOfPts(long value) {
    int i = Arrays.binarySearch(pts, value);
    return i >= 0 ? i : -1;
  }

  /** Presentation indices of the keyframes, ascending. */
  public List<Integer> keyframes() {
    return keyframes;
  }

  public long[] ptsArray() {
    return pts.clone();
  }

  /** Lowest decode position among frames {@code [start, end)}. */
  public int minDecodePosition(int start, int end) {
    int min = Integer.MAX_VALUE;
    for (int i = start; i < end; i++) {
      min = Math.min(min, decodeOrder[i]);
    }
    return min;
  }

  /** Highest decode position among frames {@code [start, end)}: the last packet the range needs. */
  public int maxDecodePosition(int start, int end) {
    int max = -1;
    for (int i = start; i < end; i++) {
      max = Math.max(max, decodeOrder[i]);
    }
    return max;
  }

  /**
   * The keyframe decoding of range {@code [start, end)} starts from: the latest one in decode order whose pts is
   * at or before {@code pts(start)} and whose packet comes no later than any packet of the range. The second
   * condition matters for open GOPs, whose leading B-frames precede their keyframe in presentation order but
   * follow it in decode order and reference the previous GOP. Returns -1 when no keyframe qualifies (a stream that
   * does not start on a keyframe); callers then start from the first packet.
   */
  public int prerollKeyframe(int start, int end) {
    int minDecode = minDecodePosition(start, end);
    int best = -1;
    for (int k : keyframes) {
      if (k > start) {
        break;
      }
      if (decodeOrder[k] <= minDecode && (best < 0 || decodeOrder[k] > decodeOrder[best])) {
        best = k;
      }
    }
    return best;
  }

  @Override
  public String toString() {
    return "FrameIndex[" + pts.length + " frames, " + keyframes.size() + " keyframes]";
  }
}

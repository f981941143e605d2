package io.framefarm.media;

import java.util.ArrayList;
import java.util.List;

/** Splits a video into consecutive frame ranges of {@code chunkFrames} frames (the last may be shorter). */
public final class ChunkPlanner {
  private ChunkPlanner() {}

  public static List<ChunkRange> plan(int frameCount, int chunkFrames) {
    if (frameCount <= 0) {
      throw new IllegalArgumentException("frameCount must be positive: " + frameCount);
    }
    if (chunkFrames <= 0) {
      throw new IllegalArgumentException("chunkFrames must be positive: " + chunkFrames);
    }
    List<ChunkRange> chunks = new ArrayList<>((frameCount + chunkFrames - 1) / chunkFrames);
    for (int start = 0; start < frameCount; start += chunkFrames) {
      chunks.add(new ChunkRange(chunks.size(), start, (int) Math.min((long) start + chunkFrames, frameCount)));
    }
    return List.copyOf(chunks);
  }
}

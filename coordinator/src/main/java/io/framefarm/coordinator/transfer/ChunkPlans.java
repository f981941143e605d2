package io.framefarm.coordinator.transfer;

import io.framefarm.media.ChunkPlanner;
import io.framefarm.media.FrameIndex;
import io.framefarm.protocol.JobApi.PlannedChunk;
import java.util.List;

/** Chunks planned from a frame index, whole or the settled start of one (see {@link io.framefarm.media.ProbeScan}). */
public final class ChunkPlans {
  private ChunkPlans() {}

  /**
   * The chunks of {@code chunkFrames} frames that {@code index} fixes: every chunk when {@code complete}, else the
   * whole chunks that end before its last settled frame (a chunk's end bound is the pts of the frame after it).
   */
  public static List<PlannedChunk> plannable(FrameIndex index, int settled, boolean complete, int chunkFrames) {
    int frames = complete ? index.frameCount() : Math.max(0, settled - 1) / chunkFrames * chunkFrames;
    if (frames == 0) {
      return List.of();
    }
    return ChunkPlanner.plan(frames, chunkFrames).stream()
        .map(r -> new PlannedChunk(r.start(), r.end(), index.pts(r.start()), index.endPts(r.end()))).toList();
  }
}

package io.framefarm.worker.pipeline;

import io.framefarm.media.VideoFrame;

/** One per-frame step of a pipeline; changes the frame in place so the hot path allocates nothing. */
public interface FrameStage extends AutoCloseable {
  void apply(VideoFrame frame);

  @Override
  default void close() {}
}

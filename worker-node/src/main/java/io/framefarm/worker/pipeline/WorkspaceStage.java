package io.framefarm.worker.pipeline;

import ai.onnxruntime.OrtException;

/** A stage of a {@link PipelineRuntime}: works on the frame through the chunk's shared {@link FrameWorkspace}. */
interface WorkspaceStage extends AutoCloseable {

  void apply(FrameWorkspace frame) throws OrtException;

  /** What a failure report calls it: {@code detect (text-detector)}. */
  String describe();

  @Override
  default void close() {}
}

package io.framefarm.pipeline;

/**
 * What a model is expected to take once loaded, before anyone has measured it. Workers replace it
 * with what they measure (on CUDA, the device's free memory before and after the load), so it only has
 * to be in the right range; the coordinator and the workers use this one formula so they agree.
 *
 * <pre>
 * bytes = 2 × weights + 16 × input tensor bytes + 16 MiB
 * </pre>
 *
 * <ul>
 *   <li>2 × weights: ONNX Runtime holds one copy of the initializers and may keep a pre-packed second
 *       copy for its Conv/MatMul kernels (the model file itself is released after session creation).
 *   <li>16 × the float input tensor (3 × width × height × 4 bytes): the activations of one run; image models
 *       keep a handful of feature maps alive at once, each a few times the input's size, and the arena
 *       keeps the peak.
 *   <li>16 MiB: the session itself, its kernels' state and the arena's first chunk.
 * </ul>
 */
public final class ModelMemoryEstimate {

  public static final int WEIGHT_FACTOR = 2;
  public static final int ACTIVATION_FACTOR = 16;
  public static final long SESSION_OVERHEAD_BYTES = 16L << 20;

  private ModelMemoryEstimate() {}

  public static long estimate(long initializerBytes, int inputWidth, int inputHeight) {
    long inputBytes = 3L * inputWidth * inputHeight * Float.BYTES;
    return WEIGHT_FACTOR * initializerBytes + ACTIVATION_FACTOR * inputBytes + SESSION_OVERHEAD_BYTES;
  }

  /** The pipeline's declared {@code estimatedBytes}, or the estimate from its file. */
  public static long of(PipelineModel model, ModelInfo info) {
    return model.estimatedBytes() > 0 ? model.estimatedBytes()
        : estimate(info.initializerBytes(), model.inputWidth(), model.inputHeight());
  }

  /** {@link #of(PipelineModel, ModelInfo)}, inspecting the file only when nothing was declared. */
  public static long of(PipelineModel model) {
    return model.estimatedBytes() > 0 ? model.estimatedBytes() : of(model, ModelInspector.inspect(model.path()));
  }
}

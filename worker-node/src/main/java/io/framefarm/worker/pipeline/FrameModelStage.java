package io.framefarm.worker.pipeline;

import ai.onnxruntime.OrtException;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.worker.onnx.ImageTensorRunner;
import io.framefarm.worker.onnx.OnnxModel;
import java.nio.FloatBuffer;

/** {@code frame-model}: image-to-image over the whole frame, resized to the model's input and back. */
final class FrameModelStage implements WorkspaceStage {

  private final ImageTensorRunner runner;
  private final TensorImages images;

  FrameModelStage(PipelineModel spec, OnnxModel model) throws OrtException {
    this.runner = new ImageTensorRunner(model, spec.inputWidth(), spec.inputHeight());
    this.images = new TensorImages(spec);
  }

  @Override
  public void apply(FrameWorkspace frame) throws OrtException {
    int w = frame.width();
    int h = frame.height();
    float[] rgb = frame.rgb();
    images.toTensor(rgb, w, h, 0, 0, w, h, runner.input(), runner.width(), runner.height(), runner.width(), 0);
    FloatBuffer out = runner.run();
    long[] shape = ImageShapes.requireImage(runner);
    images.fromTensor(out, (int) shape[3], (int) shape[2], rgb, w, h, 0, 0, w, h, 0);
    frame.rgbChanged(0, 0, w, h);
  }

  @Override
  public String describe() {
    return "frame-model (" + runner.modelId() + ")";
  }

  @Override
  public void close() {
    runner.close();
  }
}

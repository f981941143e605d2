package io.framefarm.worker.pipeline;

import ai.onnxruntime.OrtException;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.worker.onnx.ImageTensorRunner;
import io.framefarm.worker.onnx.OnnxModel;
import java.nio.FloatBuffer;

/**
 * {@code region-model}: each region (grown by the padding) is cropped, resized to the model's input,
 * run, resized back and blended in with a feathered mask, so the edit fades into the frame.
 */
final class RegionModelStage implements WorkspaceStage {

  private final StageSpec.RegionModel spec;
  private final ImageTensorRunner runner;
  private final TensorImages images;

  RegionModelStage(StageSpec.RegionModel spec, PipelineModel model, OnnxModel session) throws OrtException {
    this.spec = spec;
    this.runner = new ImageTensorRunner(session, model.inputWidth(), model.inputHeight());
    this.images = new TensorImages(model);
  }

  @Override
  public void apply(FrameWorkspace frame) throws OrtException {
    int w = frame.width();
    int h = frame.height();
    for (Region found : frame.regions()) {
      Region r = found.grow(spec.padding(), w, h);
      float[] rgb = frame.rgb();
      images.toTensor(rgb, w, h, r.x(), r.y(), r.width(), r.height(), runner.input(), runner.width(), runner.height(),
          runner.width(), 0);
      FloatBuffer out = runner.run();
      long[] shape = ImageShapes.requireImage(runner);
      images.fromTensor(out, (int) shape[3], (int) shape[2], rgb, w, h, r.x(), r.y(), r.width(), r.height(),
          spec.feather());
      frame.rgbChanged(r.x(), r.y(), r.width(), r.height());
    }
  }

  @Override
  public String describe() {
    return "region-model (" + runner.modelId() + ")";
  }

  @Override
  public void close() {
    runner.close();
  }
}

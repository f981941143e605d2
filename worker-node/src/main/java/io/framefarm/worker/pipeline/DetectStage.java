package io.framefarm.worker.pipeline;

import ai.onnxruntime.OrtException;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.worker.onnx.ImageTensorRunner;
import io.framefarm.worker.onnx.OnnxModel;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code detect}: the frame, resized to the model's input, gives a probability map; pixels above the
 * threshold form 8-connected components whose bounding boxes, scaled to the frame, become the regions
 * of the stages after it.
 */
final class DetectStage implements WorkspaceStage {

  private final StageSpec.Detect spec;
  private final ImageTensorRunner runner;
  private final TensorImages images;
  // Sized for the probability map at the first frame, then reused.
  private int[] labels;
  private int[] queue;

  DetectStage(StageSpec.Detect spec, PipelineModel model, OnnxModel session) throws OrtException {
    this.spec = spec;
    this.runner = new ImageTensorRunner(session, model.inputWidth(), model.inputHeight());
    this.images = new TensorImages(model);
  }

  @Override
  public void apply(FrameWorkspace frame) throws OrtException {
    int w = frame.width();
    int h = frame.height();
    images.toTensor(frame.rgb(), w, h, 0, 0, w, h, runner.input(), runner.width(), runner.height(), runner.width(), 0);
    FloatBuffer prob = runner.run();
    int[] size = ImageShapes.requireMap(runner);
    frame.setRegions(FrameWorkspace.sortedLargestFirst(components(prob, size[0], size[1], w, h), spec.maxRegions()));
  }

  private List<Region> components(FloatBuffer prob, int mh, int mw, int frameWidth, int frameHeight) {
    int n = mh * mw;
    if (labels == null || labels.length != n) {
      labels = new int[n];
      queue = new int[n];
    } else {
      Arrays.fill(labels, 0);
    }
    float threshold = (float) spec.threshold();
    double sx = (double) frameWidth / mw;
    double sy = (double) frameHeight / mh;
    List<Region> regions = new ArrayList<>();
    int label = 0;
    for (int start = 0; start < n; start++) {
      if (labels[start] != 0 || prob.get(start) <= threshold) {
        continue;
      }
      label++;
      int minX = mw;
      int minY = mh;
      int maxX = -1;
      int maxY = -1;
      double sum = 0;
      int head = 0;
      int tail = 0;
      queue[tail++] = start;
      labels[start] = label;
      while (head < tail) {
        int p = queue[head++];
        int px = p % mw;
        int py = p / mw;
        minX = Math.min(minX, px);
        maxX = Math.max(maxX, px);
        minY = Math.min(minY, py);
        maxY = Math.max(maxY, py);
        sum += prob.get(p);
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            int qx = px + dx;
            int qy = py + dy;
            if (qx >= 0 && qy >= 0 && qx < mw && qy < mh) {
              int q = qy * mw + qx;
              if (labels[q] == 0 && prob.get(q) > threshold) {
                labels[q] = label;
                queue[tail++] = q;
              }
            }
          }
        }
      }
      float score = (float) (sum / tail);
      if (score < spec.boxThreshold()) {
        continue;
      }
      int bw = maxX - minX + 1;
      int bh = maxY - minY + 1;
      // DB's unclip: the detector predicts shrunk kernels; grow them back by area * ratio / perimeter.
      double grow = spec.unclipRatio() * bw * bh / (2.0 * (bw + bh));
      int x0 = (int) Math.max(0, Math.floor((minX - grow) * sx));
      int y0 = (int) Math.max(0, Math.floor((minY - grow) * sy));
      int x1 = (int) Math.min(frameWidth, Math.ceil((maxX + 1 + grow) * sx));
      int y1 = (int) Math.min(frameHeight, Math.ceil((maxY + 1 + grow) * sy));
      if (x1 > x0 && y1 > y0 && (long) (x1 - x0) * (y1 - y0) >= spec.minArea()) {
        regions.add(new Region(x0, y0, x1 - x0, y1 - y0, score));
      }
    }
    return regions;
  }

  @Override
  public String describe() {
    return "detect (" + runner.modelId() + ")";
  }

  @Override
  public void close() {
    runner.close();
  }
}

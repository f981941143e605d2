package io.framefarm.worker.pipeline;

import ai.onnxruntime.OrtException;
import io.framefarm.worker.onnx.ImageTensorRunner;
import java.util.Arrays;

/** Checks of what a model returned, with errors that say which model and what shape. */
final class ImageShapes {
  private ImageShapes() {}

  /** The output shape, which must be an image [1,3,h,w]. */
  static long[] requireImage(ImageTensorRunner runner) throws OrtException {
    long[] shape = runner.outputShape();
    if (shape.length != 4 || shape[0] != 1 || shape[1] != 3) {
      throw new OrtException("model " + runner.modelId() + " returned " + Arrays.toString(shape)
          + ", not an image [1,3,h,w]");
    }
    return shape;
  }

  /** The output shape, which must be a probability map [1,1,h,w] or [1,h,w]; returns {h, w}. */
  static int[] requireMap(ImageTensorRunner runner) throws OrtException {
    long[] shape = runner.outputShape();
    boolean map = (shape.length == 4 && shape[0] == 1 && shape[1] == 1) || (shape.length == 3 && shape[0] == 1);
    if (!map) {
      throw new OrtException("model " + runner.modelId() + " returned " + Arrays.toString(shape)
          + ", not a probability map [1,1,h,w]");
    }
    return new int[] {(int) shape[shape.length - 2], (int) shape[shape.length - 1]};
  }

  /** The output shape, which must be a sequence of class scores [1,T,C]; returns {T, C}. */
  static int[] requireSequence(ImageTensorRunner runner) throws OrtException {
    long[] shape = runner.outputShape();
    if (shape.length != 3 || shape[0] != 1) {
      throw new OrtException("model " + runner.modelId() + " returned " + Arrays.toString(shape)
          + ", not class scores [1,T,C]");
    }
    return new int[] {(int) shape[1], (int) shape[2]};
  }
}

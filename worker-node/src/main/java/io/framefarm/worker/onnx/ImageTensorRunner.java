package io.framefarm.worker.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Runs one model on a fixed-size image tensor [1,3,h,w] over and over, for one chunk, without
 * per-frame allocation: the input tensor wraps a direct buffer the caller fills in place (ONNX Runtime
 * reads it without copying), and after the first run, which learns the output's shape, the output is
 * written into a pinned tensor over a direct buffer of our own. A fixed input shape also keeps the
 * runtime's arena from growing.
 */
public final class ImageTensorRunner implements AutoCloseable {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private final OnnxModel model;
  private final int width;
  private final int height;
  private final ByteBuffer inputBytes;
  private final FloatBuffer input;
  private final OnnxTensor inputTensor;
  private final Map<String, OnnxTensor> inputs;
  private ByteBuffer outputBytes;
  private FloatBuffer output;
  private OnnxTensor outputTensor;
  private Map<String, OnnxValue> pinned;
  private long[] outputShape;

  public ImageTensorRunner(OnnxModel model, int width, int height) throws OrtException {
    this.model = model;
    this.width = width;
    this.height = height;
    this.inputBytes = directFloats(3L * width * height);
    this.input = inputBytes.asFloatBuffer();
    this.inputTensor = OnnxTensor.createTensor(ENV, input, new long[] {1, 3, height, width});
    this.inputs = Map.of(model.inputName(), inputTensor);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public String modelId() {
    return model.spec().id();
  }

  /** The input tensor's data, channel planes of height x width; fill with absolute puts. */
  public FloatBuffer input() {
    return input;
  }

  /**
   * Runs the model; returns the first output's data (valid until the next run), whose shape is {@link #outputShape()}.
   */
  public FloatBuffer run() throws OrtException {
    OrtSession session = model.session();
    if (outputTensor != null) {
      try (OrtSession.Result ignored = session.run(inputs, Set.of(), pinned, model.runOptions())) {
        return output;
      }
    }
    try (OrtSession.Result result = session.run(inputs, Set.of(model.outputName()), model.runOptions())) {
      OnnxTensor first = (OnnxTensor) result.get(0);
      TensorInfo info = first.getInfo();
      if (info.type != ai.onnxruntime.OnnxJavaType.FLOAT) {
        throw new OrtException("model " + modelId() + ": output " + model.outputName() + " is " + info.type
            + ", not float");
      }
      outputShape = info.getShape();
      outputBytes = directFloats(info.getNumElements());
      output = outputBytes.asFloatBuffer();
      output.put(first.getFloatBuffer()).rewind(); // absolute reads from here on; the tensor wraps it from 0
      outputTensor = OnnxTensor.createTensor(ENV, output, outputShape);
      pinned = Map.of(model.outputName(), outputTensor);
      return output;
    }
  }

  /** Known after the first {@link #run()}. */
  public long[] outputShape() {
    return outputShape == null ? null : outputShape.clone();
  }

  @Override
  public void close() {
    inputTensor.close();
    TensorBuffers.give(inputBytes);
    if (outputTensor != null) {
      outputTensor.close();
      TensorBuffers.give(outputBytes);
    }
  }

  @Override
  public String toString() {
    return "ImageTensorRunner[" + modelId() + " " + width + "x" + height + " -> "
        + (outputShape == null ? "?" : Arrays.toString(outputShape)) + "]";
  }

  /** Room for {@code count} floats, kept from an earlier chunk where one of the size is ({@link TensorBuffers}). */
  private static ByteBuffer directFloats(long count) {
    if (count * Float.BYTES > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("tensor of " + count + " floats is too large");
    }
    return TensorBuffers.take((int) count * Float.BYTES);
  }
}

package io.framefarm.worker.onnx.testing;

import com.google.protobuf.ByteString;
import io.framefarm.pipeline.onnx.AttributeProto;
import io.framefarm.pipeline.onnx.GraphProto;
import io.framefarm.pipeline.onnx.ModelProto;
import io.framefarm.pipeline.onnx.NodeProto;
import io.framefarm.pipeline.onnx.OperatorSetIdProto;
import io.framefarm.pipeline.onnx.TensorProto;
import io.framefarm.pipeline.onnx.TensorShapeProto;
import io.framefarm.pipeline.onnx.TypeProto;
import io.framefarm.pipeline.onnx.ValueInfoProto;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineModel.ChannelOrder;
import io.framefarm.pipeline.PipelineModel.Normalization;
import io.framefarm.pipeline.PipelineModel.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Small ONNX models whose outputs a test can state exactly, written with the protobuf subset in
 * {@code protocol} (opset 13) and run by the real ONNX Runtime:
 *
 * <ul>
 *   <li>{@link #invert}: y = 1 - x on [1,3,H,W]; with the default normalization (x = v / 255) every
 *       RGB sample v becomes 255 - v.
 *   <li>{@link #redDetector}: probability = sigmoid(k (x[:,0] - 0.5)) as [1,1,H,W]: where the red
 *       channel is bright the map is near 1, elsewhere near 0, so red rectangles drawn into a frame are
 *       its regions.
 *   <li>{@link #weighted}: y = x + Gather(W, Cast(ReduceMin(x) * 0)) * 0, with W a float initializer of
 *       a chosen size. Its indices depend on the input, so ONNX Runtime cannot constant-fold W away:
 *       the session really holds the weight bytes, and the output equals the input.
 * </ul>
 *
 * Sizes of 0 or less write a dynamic ("H", "W") dimension.
 */
public final class TestModels {
  private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
  private static final int INT64 = TensorProto.DataType.INT64_VALUE;

  private TestModels() {}

  public static Path invert(Path file, int width, int height) {
    GraphProto.Builder g = graph("invert", width, height, 3)
        .addInitializer(scalar("one", 1f))
        .addNode(node("Sub", "one", "x", "y"));
    return write(file, g);
  }

  public static Path redDetector(Path file, int width, int height, float k) {
    GraphProto.Builder g = graph("red-detector", width, height, 1)
        .addInitializer(ints("starts", 0)).addInitializer(ints("ends", 1)).addInitializer(ints("axes", 1))
        .addInitializer(scalar("half", 0.5f)).addInitializer(scalar("k", k))
        .addNode(NodeProto.newBuilder().setOpType("Slice").addInput("x").addInput("starts").addInput("ends")
            .addInput("axes").addOutput("red"))
        .addNode(node("Sub", "red", "half", "centred"))
        .addNode(node("Mul", "centred", "k", "logits"))
        .addNode(NodeProto.newBuilder().setOpType("Sigmoid").addInput("logits").addOutput("y"));
    return write(file, g);
  }

  public static Path weighted(Path file, long weightBytes) {
    long floats = Math.max(1, weightBytes / Float.BYTES);
    ByteBuffer weights = ByteBuffer.allocate(Math.toIntExact(floats * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < floats; i++) {
      weights.putFloat((float) (i % 251)); // not all zeros, so nothing can treat it as a known constant
    }
    GraphProto.Builder g = graph("weighted", -1, -1, 3)
        .addInitializer(TensorProto.newBuilder().setName("W").setDataType(FLOAT).addDims(floats)
            .setRawData(ByteString.copyFrom(weights.array())))
        .addInitializer(scalar("zero", 0f))
        .addNode(NodeProto.newBuilder().setOpType("ReduceMin").addInput("x").addOutput("min")
            .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT)
                .setI(0)))
        .addNode(node("Mul", "min", "zero", "zeroFromX"))
        .addNode(NodeProto.newBuilder().setOpType("Cast").addInput("zeroFromX").addOutput("index")
            .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                .setI(INT64)))
        .addNode(NodeProto.newBuilder().setOpType("Gather").addInput("W").addInput("index").addOutput("w0"))
        .addNode(node("Mul", "w0", "zero", "nothing"))
        .addNode(node("Add", "x", "nothing", "y"));
    return write(file, g);
  }

  /** A pipeline's view of a test model: primary, RGB, samples scaled to [0, 1]. */
  public static PipelineModel pipelineModel(String id, Path file, int width, int height) {
    return new PipelineModel(id, file, null, Role.PRIMARY, width, height, ChannelOrder.RGB, Normalization.DEFAULT, 0);
  }

  private static GraphProto.Builder graph(String name, int width, int height, int outputChannels) {
    return GraphProto.newBuilder().setName(name)
        .addInput(image("x", 3, width, height))
        .addOutput(image("y", outputChannels, width, height));
  }

  private static ValueInfoProto image(String name, int channels, int width, int height) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(channels))
        .addDim(height > 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(height)
            : TensorShapeProto.Dimension.newBuilder().setDimParam("H"))
        .addDim(width > 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(width)
            : TensorShapeProto.Dimension.newBuilder().setDimParam("W"));
    return ValueInfoProto.newBuilder().setName(name)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape)))
        .build();
  }

  private static NodeProto node(String op, String a, String b, String out) {
    return NodeProto.newBuilder().setOpType(op).addInput(a).addInput(b).addOutput(out).build();
  }

  private static TensorProto scalar(String name, float value) {
    return TensorProto.newBuilder().setName(name).setDataType(FLOAT).addFloatData(value).build();
  }

  private static TensorProto ints(String name, long value) {
    return TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(1).addInt64Data(value).build();
  }

  private static Path write(Path file, GraphProto.Builder graph) {
    ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("framefarm-tests")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(graph).build();
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, model.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}

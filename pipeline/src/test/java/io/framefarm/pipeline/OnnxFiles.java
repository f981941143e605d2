package io.framefarm.pipeline;

import com.google.protobuf.ByteString;
import io.framefarm.pipeline.onnx.GraphProto;
import io.framefarm.pipeline.onnx.ModelProto;
import io.framefarm.pipeline.onnx.NodeProto;
import io.framefarm.pipeline.onnx.OperatorSetIdProto;
import io.framefarm.pipeline.onnx.TensorProto;
import io.framefarm.pipeline.onnx.TensorShapeProto;
import io.framefarm.pipeline.onnx.TypeProto;
import io.framefarm.pipeline.onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes minimal ONNX files for validation tests: one image input, an Identity to one output, and a
 * float initializer of a chosen size. They are never run here (the worker's tests run real models),
 * so only what the inspector reads has to be right.
 */
final class OnnxFiles {
  private OnnxFiles() {}

  /** {@code dims} -1 for a dynamic (named) dimension. */
  static Path write(Path file, long weightFloats, long... inputDims) throws IOException {
    GraphProto.Builder graph = GraphProto.newBuilder().setName("test")
        .addInput(value("x", inputDims))
        .addOutput(value("y", inputDims))
        .addNode(NodeProto.newBuilder().setOpType("Identity").addInput("x").addOutput("y"));
    if (weightFloats > 0) {
      graph.addInitializer(TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE)
          .addDims(weightFloats).setRawData(ByteString.copyFrom(new byte[Math.toIntExact(weightFloats * 4)])));
    }
    ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("framefarm-test")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .setGraph(graph).build();
    Files.write(file, model.toByteArray());
    return file;
  }

  static ValueInfoProto value(String name, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int i = 0; i < dims.length; i++) {
      shape.addDim(dims[i] < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i)
          : TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
        .build();
  }
}

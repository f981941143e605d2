package io.framefarm.pipeline;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.framefarm.pipeline.onnx.AttributeProto;
import io.framefarm.pipeline.onnx.GraphProto;
import io.framefarm.pipeline.onnx.ModelProto;
import io.framefarm.pipeline.onnx.NodeProto;
import io.framefarm.pipeline.onnx.OperatorSetIdProto;
import io.framefarm.pipeline.onnx.StringStringEntryProto;
import io.framefarm.pipeline.onnx.TensorProto;
import io.framefarm.pipeline.onnx.TensorShapeProto;
import io.framefarm.pipeline.onnx.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads an .onnx file's inputs, outputs and weight bytes with the protobuf subset in
 * {@code onnx_subset.proto}, so the coordinator can validate a pipeline without ONNX Runtime.
 */
public final class ModelInspector {

  private ModelInspector() {}

  /** @throws InvalidPipelineException if the file is missing, unreadable or not an ONNX model */
  public static ModelInfo inspect(Path file) {
    ModelProto model;
    long fileBytes;
    try (InputStream in = Files.newInputStream(file)) {
      fileBytes = Files.size(file);
      CodedInputStream coded = CodedInputStream.newInstance(in);
      coded.setSizeLimit(Integer.MAX_VALUE); // protobuf's own 2 GiB ceiling; larger models keep weights outside
      model = ModelProto.parseFrom(coded);
    } catch (NoSuchFileException e) {
      throw new InvalidPipelineException("model file " + file + " does not exist");
    } catch (InvalidProtocolBufferException e) {
      throw notOnnx(file, "it does not parse as an ONNX protobuf (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new InvalidPipelineException("model file " + file + " cannot be read: " + e, e);
    }
    // Protobuf accepts many byte strings (unknown fields are skipped), so a parse alone proves little.
    if (model.getIrVersion() <= 0 || !model.hasGraph() || model.getOpsetImportCount() == 0
        || model.getGraph().getOutputCount() == 0) {
      throw notOnnx(file, "it has no " + (model.getIrVersion() <= 0 ? "ir_version"
          : !model.hasGraph() ? "graph" : model.getOpsetImportCount() == 0 ? "opset_import" : "graph output"));
    }
    GraphProto graph = model.getGraph();
    Set<String> initializers = new HashSet<>();
    long weights = 0;
    for (TensorProto t : graph.getInitializerList()) {
      initializers.add(t.getName());
      weights += tensorBytes(t);
    }
    for (NodeProto node : graph.getNodeList()) {
      if (node.getOpType().equals("Constant")) {
        for (AttributeProto a : node.getAttributeList()) {
          if (a.hasT()) {
            weights += tensorBytes(a.getT());
          }
        }
      }
    }
    List<ModelInfo.Tensor> inputs = new ArrayList<>();
    for (ValueInfoProto v : graph.getInputList()) {
      if (!initializers.contains(v.getName())) {
        inputs.add(tensor(v));
      }
    }
    List<ModelInfo.Tensor> outputs = graph.getOutputList().stream().map(ModelInspector::tensor).toList();
    long opset = model.getOpsetImportList().stream().filter(o -> o.getDomain().isEmpty() || o.getDomain()
        .equals("ai.onnx"))
        .mapToLong(OperatorSetIdProto::getVersion).max().orElse(0);
    return new ModelInfo(model.getIrVersion(), opset, inputs, outputs, weights, fileBytes);
  }

  private static InvalidPipelineException notOnnx(Path file, String why) {
    return new InvalidPipelineException("model file " + file + " is not an ONNX model: " + why);
  }

  private static ModelInfo.Tensor tensor(ValueInfoProto v) {
    List<Long> dims = new ArrayList<>();
    String type = "unknown";
    if (v.hasType() && v.getType().hasTensorType()) {
      var tensorType = v.getType().getTensorType();
      type = elementTypeName(tensorType.getElemType());
      for (TensorShapeProto.Dimension d : tensorType.getShape().getDimList()) {
        dims.add(d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : -1L);
      }
    }
    return new ModelInfo.Tensor(v.getName(), type, dims);
  }

  static String elementTypeName(int dataType) {
    TensorProto.DataType type = TensorProto.DataType.forNumber(dataType);
    return type == null ? "type" + dataType : type.name().toLowerCase(Locale.ROOT);
  }

  /** Bytes the tensor takes in memory, wherever its data is stored (raw, typed fields or an external file). */
  static long tensorBytes(TensorProto t) {
    if (t.getDataType() == TensorProto.DataType.STRING_VALUE) {
      return t.getStringDataList().stream().mapToLong(s -> s.size()).sum();
    }
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      for (StringStringEntryProto e : t.getExternalDataList()) {
        if (e.getKey().equals("length")) {
          return Long.parseLong(e.getValue());
        }
      }
    }
    long elements = 1;
    for (long d : t.getDimsList()) {
      elements *= d;
    }
    return (elements * elementBits(t.getDataType()) + 7) / 8;
  }

  private static int elementBits(int dataType) {
    TensorProto.DataType type = TensorProto.DataType.forNumber(dataType);
    if (type == null) {
      return 32;
    }
    return switch (type) {
      case UINT4, INT4, FLOAT4E2M1 -> 4;
      case UINT8, INT8, BOOL, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> 8;
      case UINT16, INT16, FLOAT16, BFLOAT16 -> 16;
      case INT64, DOUBLE, UINT64, COMPLEX64 -> 64;
      case COMPLEX128 -> 128;
      default -> 32;
    };
  }
}

package io.framefarm.pipeline;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What an .onnx file declares, read without ONNX Runtime ({@link ModelInspector}).
 *
 * @param inputs the graph's real inputs (initializers listed as inputs by old exporters are left out)
 * @param initializerBytes bytes of all weights: initializers and the tensors of {@code Constant} nodes
 */
public record ModelInfo(long irVersion, long opsetVersion, List<Tensor> inputs, List<Tensor> outputs,
    long initializerBytes, long fileBytes) {

  public ModelInfo {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * One input or output.
   *
   * @param elementType ONNX's name in lower case: {@code float}, {@code uint8}, {@code int64}, ...
   * @param dims the shape, -1 where it is dynamic (a named or missing dimension)
   */
  public record Tensor(String name, String elementType, List<Long> dims) {
    public Tensor {
      dims = List.copyOf(dims);
    }

    @Override
    public String toString() {
      return name + ": " + elementType + dims.stream().map(d -> d < 0 ? "?" : d.toString())
          .collect(Collectors.joining(",", "[", "]"));
    }
  }
}

package io.framefarm.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks, before any chunk runs, that a pipeline's models exist, are the files it names, are ONNX,
 * take the images it declares, and fit a device.
 *
 * <p>Memory need = the sum of the primary models + the largest secondary model: primaries are loaded
 * for every chunk and pinned, while secondaries are loaded on demand and may be evicted, so at worst
 * one of them is resident beside the primaries. Each model counts its declared {@code estimatedBytes},
 * else {@link ModelMemoryEstimate} from its file.
 */
public final class PipelineValidator {

  private PipelineValidator() {}

  /**
   * @param largestBudgetBytes the largest device budget in the cluster; {@link Long#MAX_VALUE} when no
   *     device is known yet (the scheduler then holds the job until one that fits joins)
   * @return the pipeline's memory need in bytes (0 for a built-in pipeline)
   * @throws InvalidPipelineException naming the model or file and the cause
   */
  public static long validate(PipelineSpec spec, long largestBudgetBytes) {
    return validate(spec, largestBudgetBytes, new FileDigests());
  }

  /** As {@link #validate(PipelineSpec, long)}, with digests from {@code digests} (which remembers them). */
  public static long validate(PipelineSpec spec, long largestBudgetBytes, FileDigests digests) {
    Map<String, Long> bytes = new LinkedHashMap<>();
    for (PipelineModel model : spec.models()) {
      ModelInfo info = checkModel(spec, model, digests);
      bytes.put(model.id(), ModelMemoryEstimate.of(model, info));
      for (StageSpec stage : spec.stages()) {
        if (stage.model().filter(model.id()::equals).isPresent()) {
          try {
            stage.checkModel(info);
          } catch (InvalidPipelineException e) {
            throw new InvalidPipelineException("pipeline " + spec.name() + ", " + stage.type() + " with model "
                + model.id() + ": " + e.getMessage(), e);
          }
        }
      }
    }
    long need = need(spec, bytes);
    if (need > largestBudgetBytes) {
      throw new InvalidPipelineException("pipeline " + spec.name() + " needs " + size(need) + " ("
          + describeNeed(spec, bytes) + ") but the largest device budget in the cluster is "
          + size(largestBudgetBytes));
    }
    return need;
  }

  /** Memory need from per-model bytes: all primaries plus the largest secondary. */
  public static long need(PipelineSpec spec, Map<String, Long> bytesByModel) {
    long primaries = spec.primaryModels().stream().mapToLong(m -> bytesByModel.get(m.id())).sum();
    long secondary = spec.secondaryModels().stream().mapToLong(m -> bytesByModel.get(m.id())).max().orElse(0);
    return primaries + secondary;
  }

  private static ModelInfo checkModel(PipelineSpec spec, PipelineModel model, FileDigests digests) {
    String what = "pipeline " + spec.name() + ", model " + model.id() + " (" + model.path() + ")";
    if (!Files.isRegularFile(model.path())) {
      throw new InvalidPipelineException(what + ": the model file does not exist");
    }
    if (model.sha256() != null) {
      String actual;
      try {
        actual = digests.of(model.path());
      } catch (UncheckedIOException e) {
        throw new InvalidPipelineException(what + ": " + e.getMessage(), e);
      }
      if (!actual.equals(model.sha256())) {
        throw new InvalidPipelineException(what + ": sha256 mismatch, the file's is " + actual
            + ", the pipeline declares " + model.sha256() + " (" + size(fileSize(model.path())) + " on disk)");
      }
    }
    ModelInfo info;
    try {
      info = ModelInspector.inspect(model.path());
    } catch (InvalidPipelineException e) {
      throw new InvalidPipelineException("pipeline " + spec.name() + ", model " + model.id() + ": " + e.getMessage(),
          e);
    }
    if (info.inputs().isEmpty()) {
      throw new InvalidPipelineException(what + ": the model has no input");
    }
    ModelInfo.Tensor input = info.inputs().get(0);
    List<Long> d = input.dims();
    if (!input.elementType().equals("float") || d.size() != 4 || (d.get(1) != 3 && d.get(1) != -1)) {
      throw new InvalidPipelineException(what + ": its input " + input + " is not an image tensor float[N,3,H,W]");
    }
    boolean heightOk = d.get(2) == -1 || d.get(2) == model.inputHeight();
    boolean widthOk = d.get(3) == -1 || d.get(3) == model.inputWidth();
    if (!heightOk || !widthOk) {
      throw new InvalidPipelineException(what + ": declared input " + model.inputWidth() + "x" + model.inputHeight()
          + " (width x height) does not match the model's input " + input + ", which takes "
          + dim(d.get(3)) + "x" + dim(d.get(2)));
    }
    return info;
  }

  private static String describeNeed(PipelineSpec spec, Map<String, Long> bytes) {
    List<String> parts = new ArrayList<>();
    spec.primaryModels().forEach(m -> parts.add("primary " + m.id() + " " + size(bytes.get(m.id()))));
    spec.secondaryModels().stream().max((a, b) -> Long.compare(bytes.get(a.id()), bytes.get(b.id())))
        .ifPresent(m -> parts.add("largest secondary " + m.id() + " " + size(bytes.get(m.id()))));
    return String.join(" + ", parts);
  }

  private static long fileSize(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  private static String dim(long d) {
    return d < 0 ? "any" : Long.toString(d);
  }

  /** Bytes exactly, then a rounded size for people: {@code 12345678 bytes (11.8 MiB)}. */
  static String size(long bytes) {
    return Sizes.of(bytes);
  }
}

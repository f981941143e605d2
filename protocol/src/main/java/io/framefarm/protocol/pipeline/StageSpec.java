package io.framefarm.protocol.pipeline;

import io.framefarm.protocol.BuiltInPipelines;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** One per-frame step of a pipeline, as written in a pipeline file under {@code "type"}. */
public sealed interface StageSpec {

  /** The name used for {@code "type"} in pipeline files. */
  String type();

  /** The model this stage runs, if it runs one. */
  default Optional<String> model() {
    return Optional.empty();
  }

  /** Image-to-image over the whole frame (enhancer, colorizer): the frame is resized to the model input and back. */
  record FrameModel(String modelId) implements StageSpec {
    public FrameModel {
      requireModel(modelId, "frame-model");
    }

    @Override
    public String type() {
      return "frame-model";
    }

    @Override
    public Optional<String> model() {
      return Optional.of(modelId);
    }
  }

  /**
   * A detector whose first output is a probability map [N,1,h,w] (or [N,h,w]) over its input: pixels above
   * {@code threshold} are grouped into 8-connected components, and each component's bounding box,
   * scaled to the frame, becomes a region for the stages after it.
   *
   * @param boxThreshold drop components whose mean probability is below this (0 keeps all)
   * @param minArea drop regions smaller than this many frame pixels
   * @param unclipRatio grow each box by {@code area * ratio / perimeter} on every side, as PaddleOCR's DB
   *     post-processing does for its shrunk text kernels (0 keeps boxes as found)
   * @param maxRegions keep at most this many regions per frame, the largest first
   */
  record Detect(String modelId, double threshold, double boxThreshold, int minArea, double unclipRatio, int maxRegions)
      implements StageSpec {
    public static final double DEFAULT_THRESHOLD = 0.5;
    public static final int DEFAULT_MIN_AREA = 16;
    public static final int DEFAULT_MAX_REGIONS = 256;

    public Detect {
      requireModel(modelId, "detect");
      requireRange("detect threshold", threshold, 0, 1);
      requireRange("detect boxThreshold", boxThreshold, 0, 1);
      requireRange("detect unclipRatio", unclipRatio, 0, 10);
      if (minArea < 0 || maxRegions < 1) {
        throw new InvalidPipelineException("detect: minArea must be >= 0 and maxRegions >= 1, were " + minArea + " and " + maxRegions);
      }
    }

    @Override
    public String type() {
      return "detect";
    }

    @Override
    public Optional<String> model() {
      return Optional.of(modelId);
    }
  }

  /**
   * Image-to-image on each region (the shape of a face restorer): the region, grown by {@code padding}
   * pixels, is cropped, resized to the model input, run, resized back and blended in with a mask that
   * fades over {@code feather} pixels at the crop's edges.
   */
  record RegionModel(String modelId, int feather, int padding) implements StageSpec {
    public RegionModel {
      requireModel(modelId, "region-model");
      if (feather < 0 || padding < 0) {
        throw new InvalidPipelineException("region-model: feather and padding must be >= 0, were " + feather + " and " + padding);
      }
    }

    @Override
    public String type() {
      return "region-model";
    }

    @Override
    public Optional<String> model() {
      return Optional.of(modelId);
    }
  }

  /**
   * Blurs or pixelates each region, grown by {@code padding} pixels, on the decoded planes.
   *
   * @param strength blur radius or pixel block size in luma pixels; 0 picks one from each region's size
   */
  record RegionEffect(Effect effect, int strength, int padding) implements StageSpec {
    public enum Effect { BLUR, PIXELATE }

    public RegionEffect {
      Objects.requireNonNull(effect, "effect");
      if (strength < 0 || padding < 0) {
        throw new InvalidPipelineException("region-effect: strength and padding must be >= 0, were " + strength + " and " + padding);
      }
    }

    @Override
    public String type() {
      return "region-effect";
    }
  }

  /**
   * A CTC text recognizer (PP-OCR) on each region: the crop is resized to the model's input height,
   * keeping its aspect up to the input width, decoded greedily over {@code dictionary} (one symbol a
   * line; index 0 is the CTC blank, the index after the last line a space), and texts with at least
   * {@code minConfidence} are written, with their frame timestamps, to a JSON sidecar.
   */
  record Recognize(String modelId, Path dictionary, double minConfidence) implements StageSpec {
    public Recognize {
      requireModel(modelId, "recognize");
      Objects.requireNonNull(dictionary, "recognize needs a dictionary file");
      requireRange("recognize minConfidence", minConfidence, 0, 1);
    }

    @Override
    public String type() {
      return "recognize";
    }

    @Override
    public Optional<String> model() {
      return Optional.of(modelId);
    }
  }

  /** One of the worker's built-in pixel filters ({@link BuiltInPipelines#NAMES}). */
  record BuiltIn(String name) implements StageSpec {
    public BuiltIn {
      if (!BuiltInPipelines.isBuiltIn(name)) {
        throw new InvalidPipelineException("unknown built-in stage '" + name + "' (known: "
            + String.join(", ", BuiltInPipelines.NAMES) + ")");
      }
    }

    @Override
    public String type() {
      return "builtin";
    }
  }

  private static void requireModel(String modelId, String stage) {
    if (modelId == null || modelId.isBlank()) {
      throw new InvalidPipelineException(stage + " stage needs a model");
    }
  }

  private static void requireRange(String what, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new InvalidPipelineException(what + " must be within [" + min + ", " + max + "], was " + value);
    }
  }
}

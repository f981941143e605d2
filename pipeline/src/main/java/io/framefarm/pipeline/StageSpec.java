package io.framefarm.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One per-frame step of a pipeline, as written in a pipeline file under {@code "type"}.
 *
 * <p>This file is the one place a stage type is declared: a record here, named by its
 * {@link JsonTypeName}, with its keys, defaults ({@link JsonCreator}) and checks. The file format reads and
 * writes it from those annotations ({@link PipelineFormat}), {@link PipelineSpec} and
 * {@link PipelineValidator} ask it what it needs, and a runtime builds it through a {@link Visitor}, so
 * that a new type that a runtime does not handle fails to compile.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
public sealed interface StageSpec {

  /** Every stage type: the records below, which this sealed interface permits and no others. */
  static List<Class<?>> types() {
    return List.of(StageSpec.class.getPermittedSubclasses());
  }

  /** The names used for {@code "type"} in pipeline files, in declaration order. */
  static List<String> typeNames() {
    return types().stream().map(StageSpec::typeName).toList();
  }

  private static String typeName(Class<?> type) {
    return type.getAnnotation(JsonTypeName.class).value();
  }

  /** The name used for {@code "type"} in pipeline files. */
  default String type() {
    return typeName(getClass());
  }

  /** The model this stage runs, if it runs one. */
  default Optional<String> model() {
    return Optional.empty();
  }

  /** Whether it works on regions, which a detect stage before it must find. */
  default boolean needsRegions() {
    return false;
  }

  /** Whether it finds regions for the stages after it. */
  default boolean findsRegions() {
    return false;
  }

  /** Whether it reads text, which the job's output then has beside it ({@code <output>.text.json}). */
  default boolean readsText() {
    return false;
  }

  /** The stage with the file paths it names resolved against {@code base} (the pipeline file's folder). */
  default StageSpec relativeTo(Path base) {
    return this;
  }

  /** The files it reads besides its model (a dictionary): a worker needs them too. */
  default List<Path> files() {
    return List.of();
  }

  /** The stage reading its files from where {@code move} says (a worker's copies of them). */
  default StageSpec withFiles(UnaryOperator<Path> move) {
    return this;
  }

  /**
   * Checks at submit that the stage can run the model it names, beyond the image input that every model
   * stage takes ({@link PipelineValidator} checks that).
   *
   * @throws InvalidPipelineException saying what does not fit
   */
  default void checkModel(ModelInfo info) {}

  /** Calls the visitor's method for this stage's type. */
  <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X;

  /** One method per stage type: a runtime that implements it handles every type there is. */
  interface Visitor<R, X extends Exception> {
    R frameModel(FrameModel stage) throws X;

    R detect(Detect stage) throws X;

    R regionModel(RegionModel stage) throws X;

    R regionEffect(RegionEffect stage) throws X;

    R recognize(Recognize stage) throws X;

    R builtIn(BuiltIn stage) throws X;
  }

  /** Image-to-image over the whole frame (enhancer, colorizer): the frame is resized to the model input and back. */
  @JsonTypeName("frame-model")
  record FrameModel(@JsonProperty("model") String modelId) implements StageSpec {
    @JsonCreator
    public FrameModel {
      requireModel(modelId, "frame-model");
    }

    @Override
    public Optional<String> model() {
      return Optional.of(modelId);
    }

    @Override
    public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
      return visitor.frameModel(this);
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
  @JsonTypeName("detect")
  record Detect(@JsonProperty("model") String modelId, double threshold, double boxThreshold, int minArea,
      double unclipRatio, int maxRegions) implements StageSpec {
    public static final double DEFAULT_THRESHOLD = 0.5;
    public static final int DEFAULT_MIN_AREA = 16;
    public static final int DEFAULT_MAX_REGIONS = 256;

    public Detect {
      requireModel(modelId, "detect");
      requireRange("detect threshold", threshold, 0, 1);
      requireRange("detect boxThreshold", boxThreshold, 0, 1);
      requireRange("detect unclipRatio", unclipRatio, 0, 10);
      if (minArea < 0 || maxRegions < 1) {
        throw new InvalidPipelineException("detect: minArea must be >= 0 and maxRegions >= 1, were " + minArea
            + " and " + maxRegions);
      }
    }

    @JsonCreator
    static Detect read(@JsonProperty("model") String model, @JsonProperty("threshold") Double threshold,
        @JsonProperty("boxThreshold") Double boxThreshold, @JsonProperty("minArea") Integer minArea,
        @JsonProperty("unclipRatio") Double unclipRatio, @JsonProperty("maxRegions") Integer maxRegions) {
      return new Detect(model, or(threshold, DEFAULT_THRESHOLD), or(boxThreshold, 0.0), or(minArea, DEFAULT_MIN_AREA),
          or(unclipRatio, 0.0), or(maxRegions, DEFAULT_MAX_REGIONS));
    }

    @Override
    public Optional<String> model() {
      return Optional.of(modelId);
    }

    @Override
    public boolean findsRegions() {
      return true;
    }

    @Override
    public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
      return visitor.detect(this);
    }
  }

  /**
   * Image-to-image on each region (the shape of a face restorer): the region, grown by {@code padding}
   * pixels, is cropped, resized to the model input, run, resized back and blended in with a mask that
   * fades over {@code feather} pixels at the crop's edges.
   */
  @JsonTypeName("region-model")
  record RegionModel(@JsonProperty("model") String modelId, int feather, int padding) implements StageSpec {
    public static final int DEFAULT_FEATHER = 4;

    public RegionModel {
      requireModel(modelId, "region-model");
      if (feather < 0 || padding < 0) {
        throw new InvalidPipelineException("region-model: feather and padding must be >= 0, were " + feather
            + " and " + padding);
      }
    }

    @JsonCreator
    static RegionModel read(@JsonProperty("model") String model, @JsonProperty("feather") Integer feather,
        @JsonProperty("padding") Integer padding) {
      return new RegionModel(model, or(feather, DEFAULT_FEATHER), or(padding, 0));
    }

    @Override
    public Optional<String> model() {
      return Optional.of(modelId);
    }

    @Override
    public boolean needsRegions() {
      return true;
    }

    @Override
    public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
      return visitor.regionModel(this);
    }
  }

  /**
   * Blurs or pixelates each region, grown by {@code padding} pixels, on the decoded planes.
   *
   * @param strength blur radius or pixel block size in luma pixels; 0 picks one from each region's size
   */
  @JsonTypeName("region-effect")
  record RegionEffect(Effect effect, int strength, int padding) implements StageSpec {
    /** What is done to a region; written in lower case in pipeline files. */
    public enum Effect {
      BLUR, PIXELATE;

      @JsonValue
      String key() {
        return name().toLowerCase(Locale.ROOT);
      }

      @JsonCreator
      static Effect of(String key) {
        return Arrays.stream(values()).filter(e -> e.key().equals(key)).findFirst()
            .orElseThrow(() -> new InvalidPipelineException("unknown value '" + key + "' (known: "
                + String.join(", ", Arrays.stream(values()).map(Effect::key).toList()) + ")"));
      }
    }

    public RegionEffect {
      Objects.requireNonNull(effect, "effect");
      if (strength < 0 || padding < 0) {
        throw new InvalidPipelineException("region-effect: strength and padding must be >= 0, were " + strength
            + " and " + padding);
      }
    }

    @JsonCreator
    static RegionEffect read(@JsonProperty("effect") Effect effect, @JsonProperty("strength") Integer strength,
        @JsonProperty("padding") Integer padding) {
      return new RegionEffect(or(effect, Effect.BLUR), or(strength, 0), or(padding, 0));
    }

    @Override
    public boolean needsRegions() {
      return true;
    }

    @Override
    public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
      return visitor.regionEffect(this);
    }
  }

  /**
   * A CTC text recognizer (PP-OCR) on each region: the crop is resized to the model's input height,
   * keeping its aspect up to the input width, decoded greedily over {@code dictionary} (one symbol a
   * line; index 0 is the CTC blank, the index after the last line a space), and texts with at least
   * {@code minConfidence} are written, with their frame timestamps, to a JSON sidecar.
   */
  @JsonTypeName("recognize")
  record Recognize(@JsonProperty("model") String modelId,
      @JsonSerialize(using = ToStringSerializer.class) Path dictionary,
      double minConfidence)
      implements StageSpec {
    public static final double DEFAULT_MIN_CONFIDENCE = 0.5;

    public Recognize {
      requireModel(modelId, "recognize");
      Objects.requireNonNull(dictionary, "recognize needs a dictionary file");
      requireRange("recognize minConfidence", minConfidence, 0, 1);
    }

    @JsonCreator
    static Recognize read(@JsonProperty("model") String model, @JsonProperty("dictionary") String dictionary,
        @JsonProperty("minConfidence") Double minConfidence) {
      if (dictionary == null) {
        throw new InvalidPipelineException("recognize needs a dictionary file");
      }
      return new Recognize(model, Path.of(dictionary), or(minConfidence, DEFAULT_MIN_CONFIDENCE));
    }

    @Override
    public Optional<String> model() {
      return Optional.of(modelId);
    }

    @Override
    public boolean needsRegions() {
      return true;
    }

    @Override
    public boolean readsText() {
      return true;
    }

    @Override
    public StageSpec relativeTo(Path base) {
      return base == null || dictionary.isAbsolute() ? this
          : new Recognize(modelId, base.resolve(dictionary).normalize(), minConfidence);
    }

    @Override
    public List<Path> files() {
      return List.of(dictionary);
    }

    @Override
    public StageSpec withFiles(UnaryOperator<Path> move) {
      return new Recognize(modelId, move.apply(dictionary), minConfidence);
    }

    /** The dictionary exists and has as many symbols as the model has classes (less CTC's blank and space). */
    @Override
    public void checkModel(ModelInfo info) {
      if (!Files.isRegularFile(dictionary)) {
        throw new InvalidPipelineException("the dictionary file " + dictionary + " does not exist");
      }
      long symbols;
      try {
        symbols = Files.readAllLines(dictionary, StandardCharsets.UTF_8).size();
      } catch (IOException e) {
        throw new InvalidPipelineException("the dictionary file " + dictionary + " cannot be read: " + e, e);
      }
      List<Long> out = info.outputs().get(0).dims();
      long classes = out.isEmpty() ? -1 : out.get(out.size() - 1);
      // CTC adds a blank before the dictionary's symbols, and PP-OCR a space after them.
      if (classes != -1 && classes != symbols + 1 && classes != symbols + 2) {
        throw new InvalidPipelineException("the model outputs " + classes + " classes, but the dictionary "
            + dictionary + " has " + symbols + " symbols (expected " + (symbols + 1) + " or " + (symbols + 2) + ")");
      }
    }

    @Override
    public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
      return visitor.recognize(this);
    }
  }

  /** One of the worker's built-in pixel filters ({@link BuiltInPipeline}). */
  @JsonTypeName("builtin")
  record BuiltIn(String name) implements StageSpec {
    @JsonCreator
    public BuiltIn {
      filter(name);
    }

    /** The filter this stage runs. */
    public BuiltInPipeline filter() {
      return filter(name);
    }

    private static BuiltInPipeline filter(String name) {
      return BuiltInPipeline.named(name).orElseThrow(() -> new InvalidPipelineException("unknown built-in stage '"
          + name + "' (known: " + String.join(", ", BuiltInPipeline.names()) + ")"));
    }

    @Override
    public <R, X extends Exception> R accept(Visitor<R, X> visitor) throws X {
      return visitor.builtIn(this);
    }
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
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

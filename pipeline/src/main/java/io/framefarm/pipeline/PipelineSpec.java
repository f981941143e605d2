package io.framefarm.pipeline;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A per-frame pipeline: the models it uses and the stages it runs on every frame, in order.
 *
 * <p>Read from a JSON or YAML file ({@link #load}); the coordinator sends it to workers as JSON
 * ({@link #toJson}, {@link #fromJson}), with model paths already resolved. The built-in names
 * ({@link BuiltInPipeline}) are pipelines too ({@link #builtIn}): one built-in stage, no models.
 */
public record PipelineSpec(String name, List<PipelineModel> models, List<StageSpec> stages) {

  public PipelineSpec {
    if (name == null || name.isBlank()) {
      throw new InvalidPipelineException("a pipeline needs a name");
    }
    models = List.copyOf(models);
    stages = List.copyOf(stages);
    if (stages.isEmpty()) {
      throw new InvalidPipelineException("pipeline " + name + " has no stages");
    }
    Set<String> ids = new HashSet<>();
    for (PipelineModel model : models) {
      if (!ids.add(model.id())) {
        throw new InvalidPipelineException("pipeline " + name + " declares model " + model.id() + " twice");
      }
    }
    boolean regions = false;
    for (int i = 0; i < stages.size(); i++) {
      StageSpec stage = stages.get(i);
      Optional<String> model = stage.model();
      if (model.isPresent() && !ids.contains(model.get())) {
        throw new InvalidPipelineException("pipeline " + name + ", stage " + (i + 1) + " (" + stage.type()
            + "): unknown model '" + model.get() + "' (declared: " + String.join(", ", ids) + ")");
      }
      if (stage.needsRegions() && !regions) {
        throw new InvalidPipelineException("pipeline " + name + ", stage " + (i + 1) + " (" + stage.type()
            + ") works on regions, but no detect stage comes before it");
      }
      regions |= stage.findsRegions();
    }
  }

  /** A built-in pipeline ({@code identity}, {@code invert}, {@code grayscale}). */
  public static PipelineSpec builtIn(String name) {
    return new PipelineSpec(name, List.of(), List.of(new StageSpec.BuiltIn(name)));
  }

  /** Reads a pipeline file; {@code .yaml}/{@code .yml} as YAML, anything else as JSON. */
  public static PipelineSpec load(Path file) {
    return PipelineFormat.read(file);
  }

  /** Parses the JSON a coordinator sent ({@link #toJson}); relative paths resolve against the working directory. */
  public static PipelineSpec fromJson(String json) {
    return PipelineFormat.fromJson(json);
  }

  public String toJson() {
    return PipelineFormat.toJson(this);
  }

  public Map<String, PipelineModel> modelsById() {
    return models.stream().collect(Collectors.toUnmodifiableMap(PipelineModel::id, Function.identity()));
  }

  public List<PipelineModel> primaryModels() {
    return models.stream().filter(PipelineModel::primary).toList();
  }

  public List<PipelineModel> secondaryModels() {
    return models.stream().filter(m -> !m.primary()).toList();
  }

  /** Whether every stage is built in: such a pipeline needs no models and no validation beyond its name. */
  public boolean builtInOnly() {
    return stages.stream().allMatch(s -> s instanceof StageSpec.BuiltIn);
  }

  /** Whether a stage reads text: the job's output then has a text sidecar. */
  public boolean readsText() {
    return stages.stream().anyMatch(StageSpec::readsText);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "PipelineSpec[%s: %d model(s), stages %s]", name, models.size(),
        stages.stream().map(StageSpec::type).toList());
  }
}

package io.framefarm.pipeline;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A per-frame pipeline: the models it uses and the stages it runs on every frame, in order.
 *
 * <p>Read from a JSON or YAML file ({@link #load}); the coordinator sends it to workers as JSON
 * ({@link #toJson}, {@link #fromJson}), with model paths already resolved. The built-in names
 * ({@link BuiltInPipeline}) are pipelines too ({@link #builtIn}): one built-in stage, no models.
 *
 * @param fileDigests the SHA-256 of every file it reads ({@link #files}), by path as written, once the
 *     coordinator has resolved them ({@link #withDigests}): a worker fetches each file by its digest, so
 *     that paths on the coordinator mean nothing on workers. Empty in a pipeline file.
 */
public record PipelineSpec(String name, List<PipelineModel> models, List<StageSpec> stages,
    Map<String, String> fileDigests) {

  public PipelineSpec(String name, List<PipelineModel> models, List<StageSpec> stages) {
    this(name, models, stages, Map.of());
  }

  public PipelineSpec {
    fileDigests = Map.copyOf(fileDigests);
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

  /** Every file it reads: its models, then the files its stages name (a dictionary), each once. */
  public List<Path> files() {
    LinkedHashSet<Path> files = new LinkedHashSet<>();
    models.forEach(m -> files.add(m.path()));
    stages.forEach(s -> files.addAll(s.files()));
    return List.copyOf(files);
  }

  /** The same pipeline with the digest of each of its files, as {@code digestOf} gives it (its models' too). */
  public PipelineSpec withDigests(Function<Path, String> digestOf) {
    Map<String, String> digests = new LinkedHashMap<>();
    files().forEach(file -> digests.put(file.toString(), digestOf.apply(file)));
    return new PipelineSpec(name, models.stream().map(m -> m.withSha256(digests.get(m.path().toString()))).toList(),
        stages, digests);
  }

  /**
   * The digest of a file it reads: the one resolved by the coordinator, else the one its model declares.
   *
   * @throws InvalidPipelineException when the pipeline has none for it (it was not resolved by a coordinator)
   */
  public String digestOf(Path file) {
    String digest = fileDigests.get(file.toString());
    if (digest == null) {
      digest = models.stream().filter(m -> m.path().equals(file) && m.sha256() != null).map(PipelineModel::sha256)
          .findFirst().orElse(null);
    }
    if (digest == null) {
      throw new InvalidPipelineException("pipeline " + name + " names no digest for " + file
          + ": it was not resolved by a coordinator");
    }
    return digest;
  }

  /** The same pipeline reading every file from where {@code move} says (a worker's copies); digests are kept. */
  public PipelineSpec withFiles(UnaryOperator<Path> move) {
    Map<String, String> digests = new LinkedHashMap<>();
    files().forEach(file -> digests.put(move.apply(file).toString(), digestOf(file)));
    return new PipelineSpec(name, models.stream().map(m -> m.withPath(move.apply(m.path()))).toList(),
        stages.stream().map(s -> s.withFiles(move)).toList(), digests);
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

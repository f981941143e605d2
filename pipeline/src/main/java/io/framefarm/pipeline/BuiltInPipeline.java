package io.framefarm.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The per-frame pipelines every worker has built in, listed here once: the coordinator accepts their
 * names at submit, pipeline files use them as {@code builtin} stages, and
 * the worker maps each to its filter with a switch that must cover them all.
 */
public enum BuiltInPipeline {
  /** Passes frames through. */
  IDENTITY,
  /** Maps every plane value v to 255 - v. */
  INVERT,
  /** Sets chroma to 128. */
  GRAYSCALE;

  /** The name jobs and pipeline files use: {@code identity}, {@code invert}, {@code grayscale}. */
  public String pipelineName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<BuiltInPipeline> named(String name) {
    return Arrays.stream(values()).filter(p -> p.pipelineName().equals(name)).findFirst();
  }

  public static List<String> names() {
    return Arrays.stream(values()).map(BuiltInPipeline::pipelineName).toList();
  }
}

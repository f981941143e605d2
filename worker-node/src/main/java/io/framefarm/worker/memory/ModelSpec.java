package io.framefarm.worker.memory;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A model a pipeline needs. {@code estimatedBytes} is what the memory manager reserves before the
 * load; once a model has been loaded, its measured size replaces the estimate.
 *
 * @param primary whether the pipeline needs it for every frame, so the worker loads it at start (pinned)
 */
public record ModelSpec(String id, Path path, long estimatedBytes, boolean primary) {

  public ModelSpec {
    Objects.requireNonNull(path, "path");
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("model id must not be blank");
    }
    if (estimatedBytes <= 0) {
      throw new IllegalArgumentException("model " + id + ": estimated bytes must be positive, was " + estimatedBytes);
    }
  }
}

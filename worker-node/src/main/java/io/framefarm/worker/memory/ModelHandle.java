package io.framefarm.worker.memory;

/**
 * A model granted to a chunk. It stays resident, and is never evicted, until the chunk's owner
 * sends {@code ReleaseModels} or {@code OwnerFinished}. Do not close {@link #model()}.
 */
public record ModelHandle(ModelSpec spec, LoadedModel model) {

  public String modelId() {
    return spec.id();
  }
}

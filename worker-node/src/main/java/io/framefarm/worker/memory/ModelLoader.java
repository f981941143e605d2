package io.framefarm.worker.memory;

/** Loads models onto one device; called by that device's memory manager only, on its thread. */
@FunctionalInterface
public interface ModelLoader {

  /** @throws Exception if the model cannot be loaded; the memory manager refuses the request with its message */
  LoadedModel load(ModelSpec spec) throws Exception;
}

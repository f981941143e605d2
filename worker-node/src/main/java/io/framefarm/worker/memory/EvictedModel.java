package io.framefarm.worker.memory;

/** A model the cache let go of; whoever receives it must close it. */
record EvictedModel(ModelSpec spec, LoadedModel model, long bytes) {}

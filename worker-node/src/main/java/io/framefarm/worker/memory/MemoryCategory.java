package io.framefarm.worker.memory;

/** What a reservation holds, so reports can say where a device's memory went. */
enum MemoryCategory {
  /** Resident models, charged to the model cache. */
  MODELS,
  /** Frame buffers, idle or leased, charged to the buffer pool. */
  POOL,
  /** Whatever a chunk reserved for itself (runtime working memory, outputs). */
  OTHER
}

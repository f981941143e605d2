package io.framefarm.worker.models;

import io.framefarm.pipeline.PipelineSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns a pipeline as the coordinator sent it (its files named by coordinator paths and digests) into one that
 * reads this node's cached copies, fetching what is missing. The copies stay pinned in the cache until the
 * chunk closes its {@link Local}, so that no eviction pulls a model from under a load.
 */
public final class PipelineFiles {
  private final ModelFetcher fetcher;

  public PipelineFiles(ModelFetcher fetcher) {
    this.fetcher = fetcher;
  }

  public ModelFetcher fetcher() {
    return fetcher;
  }

  /** A pipeline reading the node's cached copies of its files, which stay pinned until {@link #close}. */
  public final class Local implements AutoCloseable {
    private final PipelineSpec spec;
    private final List<String> pinned;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Local(PipelineSpec spec, List<String> pinned) {
      this.spec = spec;
      this.pinned = List.copyOf(pinned);
    }

    public PipelineSpec spec() {
      return spec;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        pinned.forEach(fetcher.cache()::unpin);
      }
    }
  }

  /** The pipeline with every file it reads in the cache, fetched first where missing. */
  public CompletionStage<Local> localize(PipelineSpec spec) {
    List<Path> files = spec.files();
    List<String> digests = new ArrayList<>();
    List<CompletableFuture<Path>> copies = new ArrayList<>();
    try {
      for (Path file : files) {
        String digest = spec.digestOf(file);
        digests.add(digest);
        copies.add(fetcher.pinned(digest).toCompletableFuture());
      }
    } catch (RuntimeException e) {
      unpinWhenDone(copies, digests);
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.allOf(copies.toArray(CompletableFuture[]::new)).handle((v, error) -> {
      if (error != null) {
        unpinWhenDone(copies, digests);
        throw error instanceof RuntimeException r ? r : new IllegalStateException(error);
      }
      Map<Path, Path> local = new HashMap<>();
      for (int i = 0; i < files.size(); i++) {
        local.put(files.get(i), copies.get(i).join());
      }
      return new Local(spec.withFiles(local::get), digests);
    });
  }

  /** The copies that did arrive are pinned: a failed localization must give them back. */
  private void unpinWhenDone(List<CompletableFuture<Path>> copies, List<String> digests) {
    for (int i = 0; i < copies.size(); i++) {
      String digest = digests.get(i);
      copies.get(i).thenAccept(path -> fetcher.cache().unpin(digest));
    }
  }
}

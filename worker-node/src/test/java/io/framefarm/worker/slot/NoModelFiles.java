package io.framefarm.worker.slot;

import io.framefarm.protocol.ModelProtocol.ModelFileRefused;
import io.framefarm.worker.models.ModelFetcher;
import io.framefarm.worker.models.ModelFileCache;
import io.framefarm.worker.models.PipelineFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;

/** Pipeline files for slot tests whose pipelines read no files: any fetch is refused. */
final class NoModelFiles {
  private NoModelFiles() {}

  static PipelineFiles in(Path dir, ActorSystem<?> system) {
    var cache = new ModelFileCache(dir, 1 << 20);
    return new PipelineFiles(new ModelFetcher(cache, (sha256, offset) -> CompletableFuture.completedFuture(
        new ModelFileRefused(sha256, "this test serves no model files")), Materializer.matFromSystem(system),
        Runnable::run, 1, Duration.ZERO));
  }
}

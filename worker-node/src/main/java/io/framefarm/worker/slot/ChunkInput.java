package io.framefarm.worker.slot;

import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.worker.models.ModelFetchException;
import io.framefarm.worker.models.PipelineFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;

/**
 * Gets a chunk ready to run: pulls its input packets to {@code segment.nut} in its work dir and, meanwhile, gets its
 * pipeline's files into the node's model cache (fetched from the coordinator by digest where missing, then pinned).
 * For the chunk a slot runs now and for the one it leased ahead alike.
 */
final class ChunkInput {
  static final String SEGMENT = "segment.nut";

  private ChunkInput() {}

  /**
   * Completes with the pipeline's files once both halves are done, or fails as soon as either fails, with a reason
   * that says which (the exception has no cause: the reason reported is the root cause's message).
   */
  static CompletableFuture<PipelineFiles.Local> receive(AssignChunk a, Path dir, Executor pool, PipelineFiles files,
      Materializer materializer) {
    CompletableFuture<PipelineFiles.Local> pipeline = CompletableFuture.supplyAsync(
        () -> PipelineSpec.fromJson(a.pipeline()), pool)
        .thenCompose(files::localize)
        .exceptionally(error -> {
          throw new ModelFetchException("could not get the pipeline's files: " + WorkerSlot.rootMessage(error));
        });
    CompletableFuture<Void> segment = CompletableFuture.runAsync(() -> createDirectories(dir), pool)
        .thenCompose(v -> a.segment().getSource().runWith(FileIO.toPath(dir.resolve(SEGMENT)), materializer))
        .<Void>thenApply(io -> null)
        .exceptionally(error -> {
          throw new IllegalStateException("could not receive input packets: " + WorkerSlot.rootMessage(error));
        });
    // Either failing fails the chunk at once: thenCombine alone would wait for the other to end too.
    CompletableFuture<PipelineFiles.Local> received = new CompletableFuture<>();
    segment.thenCombine(pipeline, (v, local) -> local).thenAccept(received::complete);
    pipeline.exceptionally(error -> {
      received.completeExceptionally(error);
      return null;
    });
    segment.exceptionally(error -> {
      received.completeExceptionally(error);
      pipeline.thenAccept(PipelineFiles.Local::close); // pinned for a chunk that will not run
      return null;
    });
    return received;
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create " + dir, e);
    }
  }
}

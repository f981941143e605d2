package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.transfer.ModelFileOffers;
import io.framefarm.coordinator.transfer.Transfers;
import io.framefarm.media.AssemblyResult;
import io.framefarm.pipeline.FileDigests;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;

/**
 * Transfers for the job manager's own tests: no media, every step answers at once. Results hold the
 * frames the chunk expects unless {@link #rejectResults} says otherwise. The real transfer is
 * exercised end to end by the cli tests.
 */
final class InstantTransfers implements Transfers {
  private final Materializer materializer;
  private final ModelFileOffers models;
  final List<String> forgotten = new CopyOnWriteArrayList<>();
  volatile String rejectResults;

  InstantTransfers(ActorSystem<?> system) {
    this.materializer = Materializer.matFromSystem(system);
    this.models = new ModelFileOffers(materializer, Runnable::run, new FileDigests());
  }

  /** The scans asked for, in order: the tests report their chunks through the listeners. */
  final List<Scan> scans = new CopyOnWriteArrayList<>();

  record Scan(String jobId, int chunkFrames, PlanListener listener) {}

  @Override
  public void plan(String jobId, String input, int chunkFrames, PlanListener listener) {
    scans.add(new Scan(jobId, chunkFrames, listener));
  }

  @Override
  public CompletionStage<SourceRef<ByteString>> offerSegment(String jobId, String input, int chunk, int attempt,
      PlannedChunk range) {
    return CompletableFuture.completedFuture(Source.<ByteString>empty()
        .runWith(StreamRefs.<ByteString>sourceRef(), materializer));
  }

  @Override
  public CompletionStage<Integer> receiveResult(String jobId, int chunk, int attempt, SourceRef<ByteString> result,
      int expectedFrames, List<RecognizedText> texts) {
    return rejectResults == null ? CompletableFuture.completedFuture(expectedFrames)
        : CompletableFuture.failedFuture(new IllegalStateException(rejectResults));
  }

  @Override
  public CompletionStage<AssemblyResult> assemble(String jobId, JobRequest request, int chunks,
      PipelinePlan pipeline) {
    return CompletableFuture.completedFuture(new AssemblyResult(Path.of(request.output()), chunks * 10, 0));
  }

  /** Model files are really offered: they are small, and the job manager's tests fetch them. */
  @Override
  public CompletionStage<ModelFileReply> offerModelFile(Path file, String sha256, long offset) {
    return models.offer(file, sha256, offset);
  }

  @Override
  public CompletionStage<Void> forget(String jobId) {
    forgotten.add(jobId);
    return CompletableFuture.completedFuture(null);
  }
}

package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.jobs.Job.Chunk;
import io.framefarm.coordinator.scheduler.LeaseClock.Lease;
import io.framefarm.coordinator.transfer.Transfers;
import io.framefarm.protocol.JobApi.JobStatus;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.ModelProtocol.ModelFileRefused;
import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.protocol.WorkProtocol.ChunkDone;
import io.framefarm.protocol.WorkerCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.util.ByteString;

/**
 * The job manager's slow work, started from its command handlers and never awaited there: cutting a
 * chunk's input, storing a result, assembling, archiving to the history. Each outcome comes back to
 * the job manager as one of the commands declared here, to be journaled (or not) there.
 */
final class JobFiles {
  /** A leased chunk's input is ready to stream to {@code worker}; its chunk was picked at {@code pickedAtNanos}. */
  record SegmentReady(AssignChunk assignment, ActorRef<WorkerCommand> worker, long pickedAtNanos)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  record SegmentFailed(Lease lease, String reason) implements JobManagerCommand, NoSerializationVerificationNeeded {}

  record ResultStored(Lease lease, int frames, ActorRef<WorkerCommand> worker)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  record ResultRejected(Lease lease, String reason, ActorRef<WorkerCommand> worker)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  /** {@code failure} is null when the output was written. */
  record Assembled(String jobId, int frames, String failure)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  /** Chunks of a job's input, from {@code firstIndex} on, that its scan fixed; {@code complete}: all of them. */
  record ChunksScanned(String jobId, int firstIndex, List<PlannedChunk> chunks, boolean complete)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  /** The scan of a job's input found it unusable. */
  record ScanFailed(String jobId, String reason) implements JobManagerCommand, NoSerializationVerificationNeeded {}

  /** {@code failure} is null when every job's final status is in the history. */
  record Archived(List<String> jobIds, String failure)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  private final ActorContext<JobManagerCommand> context;
  private final Transfers transfer;
  private final JobHistory history;
  private final Duration leaseTimeout;

  JobFiles(ActorContext<JobManagerCommand> context, Transfers transfer, JobHistory history, Duration leaseTimeout) {
    this.context = context;
    this.transfer = transfer;
    this.history = history;
    this.leaseTimeout = leaseTimeout;
  }

  /** Reads the rest of a job's input, whose first chunks were planned from its start; the chunks come back here. */
  void plan(Job job) {
    var self = context.getSelf();
    transfer.plan(job.id(), job.request().input(), job.request().chunkFrames(), new Transfers.PlanListener() {
      @Override
      public void planned(int firstIndex, List<PlannedChunk> chunks, boolean complete) {
        self.tell(new ChunksScanned(job.id(), firstIndex, chunks, complete));
      }

      @Override
      public void failed(String reason) {
        self.tell(new ScanFailed(job.id(), "input " + reason));
      }
    });
  }

  /** Cuts the chunk's input once the input's scan got past it, then the worker may be told. */
  void cutSegment(Job job, Chunk chunk, Lease lease, ActorRef<WorkerCommand> worker, long pickedAtNanos) {
    var range = chunk.range();
    context.pipeToSelf(transfer.offerSegment(job.id(), job.request().input(), chunk.index(), lease.attempt(), range),
        (SourceRef<ByteString> ref, Throwable error) -> error != null
            ? new SegmentFailed(lease, "could not extract input packets: " + rootMessage(error))
            : new SegmentReady(new AssignChunk(job.id(), chunk.index(), lease.attempt(), job.pipeline().json(),
                job.request().encode(), job.submitted().video(), range.firstPts(), range.endPts(), range.frames(), ref,
                leaseTimeout.toMillis()), worker, pickedAtNanos));
  }

  /** Offers a model file straight to the worker that asked: nothing about it is journaled. */
  void offerModelFile(Path file, String sha256, long offset, ActorRef<ModelFileReply> replyTo) {
    transfer.offerModelFile(file, sha256, offset).whenComplete((reply, error) -> replyTo.tell(error == null ? reply
        : new ModelFileRefused(sha256, "could not offer " + file + ": " + rootMessage(error))));
  }

  /** Pulls the worker's result and checks its frame count before it is stored. */
  void storeResult(ChunkDone done, Chunk chunk, Lease lease) {
    context.pipeToSelf(transfer.receiveResult(done.jobId(), done.chunk(), done.attempt(), done.result(),
            chunk.range().frames(), done.texts()),
        (Integer frames, Throwable error) -> error != null
            ? new ResultRejected(lease, "result rejected: " + rootMessage(error), done.worker())
            : new ResultStored(lease, frames, done.worker()));
  }

  void assemble(Job job) {
    context.getLog().info("Assembling {} from {} chunks into {}", job.id(), job.chunks().size(),
        job.request().output());
    context.pipeToSelf(transfer.assemble(job.id(), job.request(), job.chunks().size(),
            job.pipeline()),
        (result, error) -> error != null ? new Assembled(job.id(), 0, rootMessage(error))
            : new Assembled(job.id(), result.videoFrames(), null));
  }

  void archive(List<JobStatus> finished) {
    List<String> ids = finished.stream().map(JobStatus::id).toList();
    context.pipeToSelf(history.store(finished), (ok, error) -> new Archived(ids, error == null ? null
        : rootMessage(error)));
  }

  /** Deletes a job's working files (they are recreated by nothing once the job ended). */
  void forget(String jobId) {
    transfer.forget(jobId);
  }

  /** A late result of a job that already ended may have recreated its files. */
  void forgetIfEnded(JobBook book, String jobId) {
    if (book.job(jobId).map(j -> !j.active()).orElse(false)) {
      transfer.forget(jobId);
    }
  }

  static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}

package io.framefarm.coordinator.jobs;

import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.JobStatus;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.util.ArrayList;
import java.util.List;

/** One job's state as rebuilt from the journal; mutated only by {@link JobBook#apply}. */
final class Job {
  enum State { QUEUED, RUNNING, ASSEMBLING, COMPLETED, FAILED, CANCELLED }

  enum ChunkState { PENDING, LEASED, DONE }

  static final class Chunk {
    final int index;
    final PlannedChunk range;
    ChunkState state = ChunkState.PENDING;
    /**
     * Leases handed out so far; the current lease's attempt number, which fences late reports. Leases
     * released by a coordinator restart count here but not in {@link #failures}.
     */
    int attempts;
    String worker;
    long deadlineMillis;
    /** When the current lease's worker was sent the chunk; 0 while its segment is being cut. */
    long assignedAtMillis;
    int framesDone;
    /** The worker's result is being pulled and checked: its lease must not expire meanwhile. */
    boolean storing;
    /** The worker whose attempt failed last; the scheduler gives the retry to another worker if it can. */
    String lastFailedWorker;
    /** Failed attempts; the job fails when these reach the limit. */
    final List<String> failures = new ArrayList<>();

    Chunk(int index, PlannedChunk range) {
      this.index = index;
      this.range = range;
    }
  }

  final String id;
  final JobRequest request;
  final VideoSpec video;
  final PipelinePlan pipeline;
  final long submittedAtMillis;
  final long sequence;
  final List<Chunk> chunks = new ArrayList<>();
  final List<String> attemptFailures = new ArrayList<>();
  /** Failed attempts of this job per worker: a worker that keeps failing it is passed over (Flamenco's rule). */
  final java.util.Map<String, Integer> failuresByWorker = new java.util.HashMap<>();
  State state = State.QUEUED;
  long startedAtMillis;
  long finishedAtMillis;
  String failure;

  Job(String id, JobRequest request, VideoSpec video, PipelinePlan pipeline, long submittedAtMillis, long sequence) {
    this.id = id;
    this.request = request;
    this.video = video;
    this.pipeline = pipeline;
    this.submittedAtMillis = submittedAtMillis;
    this.sequence = sequence;
  }

  boolean active() {
    return state == State.QUEUED || state == State.RUNNING || state == State.ASSEMBLING;
  }

  boolean allChunksDone() {
    return !chunks.isEmpty() && chunks.stream().allMatch(c -> c.state == ChunkState.DONE);
  }

  int totalFrames() {
    return chunks.stream().mapToInt(c -> c.range.frames()).sum();
  }

  int framesDone() {
    return chunks.stream().mapToInt(c -> switch (c.state) {
      case DONE -> c.range.frames();
      case LEASED -> Math.min(c.framesDone, c.range.frames());
      case PENDING -> 0;
    }).sum();
  }

  JobStatus status() {
    return status(0);
  }

  /** @param largestBudgetSeen the largest device budget among slots that asked for work; 0 if none yet */
  JobStatus status(long largestBudgetSeen) {
    long need = pipeline.memoryNeedBytes();
    boolean waitsForDevice = (state == State.QUEUED || state == State.RUNNING) && largestBudgetSeen > 0
        && need > largestBudgetSeen && chunks.stream().anyMatch(c -> c.state == ChunkState.PENDING);
    String waiting = waitsForDevice ? "the pipeline needs " + need + " bytes but the largest device budget among "
        + "the workers is " + largestBudgetSeen + " bytes: waiting for a bigger device" : null;
    int done = (int) chunks.stream().filter(c -> c.state == ChunkState.DONE).count();
    List<String> workers = chunks.stream().map(c -> c.worker == null ? "" : c.worker).toList();
    return new JobStatus(id, request, state.name(), totalFrames(), framesDone(), chunks.size(), done,
        submittedAtMillis, startedAtMillis, finishedAtMillis, failure, attemptFailures, workers, waiting);
  }
}

package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.JobEvent.JobSubmitted;
import io.framefarm.coordinator.scheduler.SchedulableJob;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.JobStatus;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import java.util.List;
import java.util.function.ToIntFunction;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * One job's journal state: an immutable value, changed only by {@link JobBook#apply} returning a new one.
 *
 * @param submitted what was accepted (request, video, pipeline, when)
 * @param sequence order of submission
 * @param attemptFailures every failed attempt's reason, in order
 * @param lostLeases every lease lost with its worker, in order (not failed attempts)
 * @param failuresByWorker failed attempts of this job per worker: one that keeps failing it is passed over
 * @param planning its input is still being scanned: {@code chunks} are those planned so far, more will follow
 */
record Job(JobSubmitted submitted, long sequence, State state, PVector<Chunk> chunks, PVector<String> attemptFailures,
    PVector<String> lostLeases, PMap<String, Integer> failuresByWorker, Times times, String failure,
    boolean planning) implements SchedulableJob {

  enum State { QUEUED, RUNNING, ASSEMBLING, COMPLETED, FAILED, CANCELLED }

  enum ChunkState { PENDING, LEASED, DONE }

  /** When the job was submitted, first leased, and finished; 0 for not yet. */
  record Times(long submittedAtMillis, long startedAtMillis, long finishedAtMillis) {}

  /**
   * One chunk.
   *
   * @param attempts leases handed out so far: the current lease's attempt number, which fences late
   *     reports. Released leases (coordinator restart) count here but not in {@code failures}.
   * @param failures failed attempts; the job fails when these reach the limit
   * @param losses leases lost with their worker (crash, partition): not the chunk's fault, so they have a limit
   *     of their own, which still ends a chunk that takes every worker down with it
   * @param worker the worker of the current or last lease, null before the first
   * @param lastFailedWorker the worker whose attempt failed last: a retry goes elsewhere if it can
   */
  record Chunk(int index, PlannedChunk range, ChunkState state, int attempts, int failures, int losses,
      String worker, String lastFailedWorker) {

    Chunk(int index, PlannedChunk range) {
      this(index, range, ChunkState.PENDING, 0, 0, 0, null, null);
    }

    Chunk leased(int attempt, String byWorker) {
      return new Chunk(index, range, ChunkState.LEASED, attempt, failures, losses, byWorker, lastFailedWorker);
    }

    Chunk completed() {
      return new Chunk(index, range, ChunkState.DONE, attempts, failures, losses, worker, lastFailedWorker);
    }

    Chunk failed() {
      return new Chunk(index, range, ChunkState.PENDING, attempts, failures + 1, losses, worker, worker);
    }

    Chunk lost() {
      return new Chunk(index, range, ChunkState.PENDING, attempts, failures, losses + 1, worker, worker);
    }

    Chunk released() {
      return new Chunk(index, range, ChunkState.PENDING, attempts, failures, losses, worker, lastFailedWorker);
    }

    boolean isLeasedAt(int attempt) {
      return state == ChunkState.LEASED && attempts == attempt;
    }
  }

  static Job submitted(JobSubmitted e, long sequence) {
    return new Job(e, sequence, State.QUEUED, TreePVector.empty(), TreePVector.empty(), TreePVector.empty(),
        HashTreePMap.empty(), new Times(e.atMillis(), 0, 0), null, false);
  }

  Job with(State newState) {
    return new Job(submitted, sequence, newState, chunks, attemptFailures, lostLeases, failuresByWorker, times,
        failure, planning);
  }

  Job withChunks(PVector<Chunk> newChunks) {
    return new Job(submitted, sequence, state, newChunks, attemptFailures, lostLeases, failuresByWorker, times,
        failure, planning);
  }

  /** {@code newChunks} planned so far; {@code more}: the scan goes on. */
  Job planned(PVector<Chunk> newChunks, boolean more) {
    return new Job(submitted, sequence, state, newChunks, attemptFailures, lostLeases, failuresByWorker, times,
        failure, more);
  }

  Job withChunk(Chunk chunk) {
    return withChunks(chunks.with(chunk.index(), chunk));
  }

  Job started(long atMillis) {
    return new Job(submitted, sequence, State.RUNNING, chunks, attemptFailures, lostLeases, failuresByWorker,
        new Times(times.submittedAtMillis(), atMillis, 0), failure, planning);
  }

  Job failedAttempt(Chunk failedChunk, String reason) {
    PMap<String, Integer> byWorker = failedChunk.worker() == null ? failuresByWorker
        : failuresByWorker.plus(failedChunk.worker(), failuresByWorker.getOrDefault(failedChunk.worker(), 0) + 1);
    return new Job(submitted, sequence, state, chunks.with(failedChunk.index(), failedChunk),
        attemptFailures.plus(reason), lostLeases, byWorker, times, failure, planning);
  }

  Job lostLease(Chunk lostChunk, String reason) {
    return new Job(submitted, sequence, state, chunks.with(lostChunk.index(), lostChunk), attemptFailures,
        lostLeases.plus(reason), failuresByWorker, times, failure, planning);
  }

  /** Back to ASSEMBLING after a failed assembly: not finished, no failure. */
  Job assemblingAgain() {
    return new Job(submitted, sequence, State.ASSEMBLING, chunks, attemptFailures, lostLeases, failuresByWorker,
        new Times(times.submittedAtMillis(), times.startedAtMillis(), 0), null, planning);
  }

  /** Failed with every chunk stored: only the assembly failed, and the chunks are kept for a retry. */
  boolean assemblyFailed() {
    return state == State.FAILED && allChunksDone();
  }

  Job finished(State end, long atMillis, String why) {
    return new Job(submitted, sequence, end, chunks, attemptFailures, lostLeases, failuresByWorker,
        new Times(times.submittedAtMillis(), times.startedAtMillis(), atMillis), why, planning);
  }

  @Override
  public String id() {
    return submitted.jobId();
  }

  JobRequest request() {
    return submitted.request();
  }

  PipelinePlan pipeline() {
    return submitted.pipeline();
  }

  boolean active() {
    return state == State.QUEUED || state == State.RUNNING || state == State.ASSEMBLING;
  }

  /** Chunks may still be handed out. */
  boolean schedulable() {
    return state == State.QUEUED || state == State.RUNNING;
  }

  /** Every chunk is stored, and there are no more to plan: the job may be assembled. */
  boolean allChunksDone() {
    return !planning && !chunks.isEmpty() && chunks.stream().allMatch(c -> c.state() == ChunkState.DONE);
  }

  int totalFrames() {
    return chunks.stream().mapToInt(c -> c.range().frames()).sum();
  }

  @Override
  public long submittedAtMillis() {
    return times.submittedAtMillis();
  }

  @Override
  public int priority() {
    return submitted.request().priority();
  }

  @Override
  public long memoryNeedBytes() {
    return submitted.pipeline().memoryNeedBytes();
  }

  @Override
  public List<String> modelIds() {
    return submitted.pipeline().modelIds();
  }

  @Override
  public int failuresOn(String worker) {
    return failuresByWorker.getOrDefault(worker, 0);
  }

  @Override
  public List<PendingChunk> pendingChunks() {
    return chunks.stream().filter(c -> c.state() == ChunkState.PENDING)
        .map(c -> new PendingChunk(c.index(), c.lastFailedWorker())).toList();
  }

  /**
   * The job as clients see it.
   *
   * @param waiting why its pending chunks are not running, when the scheduler knows; else null
   * @param leasedFrames frames done so far by a leased chunk's live attempt
   */
  JobStatus status(String waiting, ToIntFunction<Chunk> leasedFrames) {
    int framesDone = chunks.stream().mapToInt(c -> switch (c.state()) {
      case DONE -> c.range().frames();
      case LEASED -> Math.min(leasedFrames.applyAsInt(c), c.range().frames());
      case PENDING -> 0;
    }).sum();
    int done = (int) chunks.stream().filter(c -> c.state() == ChunkState.DONE).count();
    List<String> workers = chunks.stream().map(c -> c.worker() == null ? "" : c.worker()).toList();
    return new JobStatus(id(), request(), state.name(), totalFrames(), framesDone, chunks.size(), done,
        times.submittedAtMillis(), times.startedAtMillis(), times.finishedAtMillis(), failure, attemptFailures,
        workers, schedulable() && hasPendingChunks() ? waiting : null, lostLeases,
        chunks.stream().map(Chunk::attempts).toList(), planning);
  }

  boolean hasPendingChunks() {
    return chunks.stream().anyMatch(c -> c.state() == ChunkState.PENDING);
  }

  /** As {@link #status(String, ToIntFunction)} with nothing known of devices or live leases. */
  JobStatus status() {
    return status(null, c -> 0);
  }
}

package io.framefarm.coordinator.jobs;

import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.util.List;

/** What the job manager journals. Serialized by {@link JobEventSerializer}; never change a field's meaning. */
public sealed interface JobEvent {
  String jobId();

  record JobSubmitted(String jobId, JobRequest request, VideoSpec video, PipelinePlan pipeline, long atMillis)
      implements JobEvent {}

  /**
   * Chunks planned: with {@code firstIndex} 0 the job's chunks, else more appended after the {@code firstIndex}
   * planned so far (a long input is planned as it is scanned). {@code planning}: more will follow; the job is not
   * assembled before an event without it.
   */
  record ChunksPlanned(String jobId, List<PlannedChunk> chunks, int firstIndex, boolean planning)
      implements JobEvent {
    public ChunksPlanned {
      chunks = List.copyOf(chunks);
    }

    /** Every chunk of the job at once. */
    public ChunksPlanned(String jobId, List<PlannedChunk> chunks) {
      this(jobId, chunks, 0, false);
    }
  }

  /** Chunk {@code chunk} handed to {@code worker}; {@code attempt} fences every later report about it. */
  record ChunkLeased(String jobId, int chunk, int attempt, String worker, long deadlineMillis, long atMillis)
      implements JobEvent {}

  record ChunkCompleted(String jobId, int chunk, int attempt, int frames) implements JobEvent {}

  record ChunkFailed(String jobId, int chunk, int attempt, String reason) implements JobEvent {
    /** How the reason of an attempt whose lease expired starts (metrics count these apart). */
    public static final String LEASE_EXPIRED = "lease expired";
  }

  /**
   * A lease ended without its attempt failing (the coordinator restarted, or its worker went away
   * without fault of the chunk): the chunk is pending again and no attempt is used up.
   */
  record ChunkReleased(String jobId, int chunk, int attempt, String reason) implements JobEvent {}

  /**
   * The worker holding the lease was lost (it crashed, or the cluster removed it): the chunk is pending
   * again. Not a failed attempt; counted against a limit of its own.
   */
  record ChunkLost(String jobId, int chunk, int attempt, String reason) implements JobEvent {}

  record JobCompleted(String jobId, int frames, long atMillis) implements JobEvent {}

  record JobFailed(String jobId, String reason, long atMillis) implements JobEvent {}

  record JobCancelled(String jobId, long atMillis) implements JobEvent {}

  /** A job whose assembly failed, with every chunk still stored, is assembled again (asked for by a user). */
  record AssemblyRetried(String jobId, long atMillis) implements JobEvent {}

  /** A finished job left the live state; its final status was stored in the job history first. */
  record JobArchived(String jobId, long atMillis) implements JobEvent {}
}

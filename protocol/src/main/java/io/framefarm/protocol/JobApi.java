package io.framefarm.protocol;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/** Requests from the HTTP API to the job manager singleton, which may live on another coordinator node. */
public final class JobApi {
  private JobApi() {}

  /**
   * A job as accepted: input and output are real paths (symlinks resolved); {@code overwrite} lets the output
   * replace a file that exists when the job is assembled.
   */
  public record JobRequest(String input, String output, String pipeline, int chunkFrames, int priority,
      WorkProtocol.EncodeSpec encode, boolean overwrite) {
    public JobRequest(String input, String output, String pipeline, int chunkFrames, int priority,
        WorkProtocol.EncodeSpec encode) {
      this(input, output, pipeline, chunkFrames, priority, encode, false);
    }
  }

  /** An exact frame range [start, end) and the pts bounds a worker keeps from its decoded segment. */
  public record PlannedChunk(int start, int end, long firstPts, long endPts) {
    public int frames() {
      return end - start;
    }
  }

  /**
   * A resolved pipeline: its JSON as workers run it, the memory a device needs to run it (bytes, 0 for
   * built-ins) and its model ids, which the scheduler matches against the models resident on a device.
   */
  public record PipelinePlan(String json, long memoryNeedBytes, List<String> modelIds) {
    public PipelinePlan {
      modelIds = List.copyOf(modelIds);
    }
  }

  /**
   * A validated, probed and planned job: the job manager records it and schedules its chunks. With {@code planning},
   * the input was scanned only far enough for its first chunks, and the job manager plans the rest as it reads on.
   */
  public record SubmitJob(JobRequest request, WorkProtocol.VideoSpec video, List<PlannedChunk> chunks,
      PipelinePlan pipeline, ActorRef<SubmitReply> replyTo, boolean planning)
      implements JobManagerCommand, FarmMessage {
    public SubmitJob {
      chunks = List.copyOf(chunks);
    }

    /** A job planned to its end. */
    public SubmitJob(JobRequest request, WorkProtocol.VideoSpec video, List<PlannedChunk> chunks,
        PipelinePlan pipeline, ActorRef<SubmitReply> replyTo) {
      this(request, video, chunks, pipeline, replyTo, false);
    }
  }

  public sealed interface SubmitReply extends FarmMessage permits JobAccepted, JobRejected {}

  public record JobAccepted(String jobId) implements SubmitReply {}

  public record JobRejected(String reason) implements SubmitReply {}

  public record GetJob(String jobId, ActorRef<JobReply> replyTo) implements JobManagerCommand, FarmMessage {}

  public record CancelJob(String jobId, ActorRef<JobReply> replyTo) implements JobManagerCommand, FarmMessage {}

  /**
   * Assemble again a job whose assembly failed (its chunks are all stored and kept): answered with the job's
   * status, ASSEMBLING when the retry started, unchanged when the job cannot be retried.
   */
  public record RetryJob(String jobId, ActorRef<JobReply> replyTo) implements JobManagerCommand, FarmMessage {}

  public record ListJobs(ActorRef<JobList> replyTo) implements JobManagerCommand, FarmMessage {}

  public sealed interface JobReply extends FarmMessage permits JobStatus, JobNotFound {}

  /**
   * A job as clients see it. {@code state}: QUEUED, RUNNING, ASSEMBLING, COMPLETED, FAILED, CANCELLED;
   * {@code waiting}: why its pending chunks are not running, when the scheduler knows, else null;
   * {@code attemptFailures}: attempts that failed (they count toward the attempt limit);
   * {@code lostLeases}: leases lost with their worker (a crash or removal; retried under a limit of their own);
   * {@code chunkAttempts}: per chunk, the leases handed out for it so far (a chunk done once and never redone
   * keeps 1, also across a coordinator's restart or takeover);
   * {@code planning}: the input is still being scanned, so {@code totalFrames} and {@code chunks} are so far.
   */
  public record JobStatus(String id, JobRequest request, String state, int totalFrames, int framesDone, int chunks,
      int chunksDone, long submittedAtMillis, long startedAtMillis, long finishedAtMillis, String failure,
      List<String> attemptFailures, List<String> chunkWorkers, String waiting, List<String> lostLeases,
      List<Integer> chunkAttempts, boolean planning) implements JobReply {
    public JobStatus {
      attemptFailures = List.copyOf(attemptFailures);
      chunkWorkers = List.copyOf(chunkWorkers);
      lostLeases = lostLeases == null ? List.of() : List.copyOf(lostLeases);
      chunkAttempts = chunkAttempts == null ? List.of() : List.copyOf(chunkAttempts);
    }

    /** A job planned to its end. */
    public JobStatus(String id, JobRequest request, String state, int totalFrames, int framesDone, int chunks,
        int chunksDone, long submittedAtMillis, long startedAtMillis, long finishedAtMillis, String failure,
        List<String> attemptFailures, List<String> chunkWorkers, String waiting, List<String> lostLeases,
        List<Integer> chunkAttempts) {
      this(id, request, state, totalFrames, framesDone, chunks, chunksDone, submittedAtMillis, startedAtMillis,
          finishedAtMillis, failure, attemptFailures, chunkWorkers, waiting, lostLeases, chunkAttempts, false);
    }

    /**
     * The job without its per-chunk and per-attempt lists, for listings: a list of many long jobs stays
     * far below the transport's frame size. {@code GET /api/v1/jobs/{id}} has the details.
     */
    public JobStatus summary() {
      return new JobStatus(id, request, state, totalFrames, framesDone, chunks, chunksDone, submittedAtMillis,
          startedAtMillis, finishedAtMillis, failure, List.of(), List.of(), waiting, List.of(), List.of(), planning);
    }

    public boolean finished() {
      return state.equals("COMPLETED") || state.equals("FAILED") || state.equals("CANCELLED");
    }
  }

  public record JobNotFound(String jobId) implements JobReply {}

  public record JobList(List<JobStatus> jobs) implements FarmMessage {
    public JobList {
      jobs = List.copyOf(jobs);
    }
  }
}

package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.coordinator.jobs.Job.Chunk;
import io.framefarm.coordinator.jobs.Job.ChunkState;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every job the manager knows, rebuilt from events. Plain Java so that scheduling and lease rules
 * are unit-testable without an actor; the job manager is the only writer.
 */
public final class JobBook {
  /** A chunk the scheduler may hand out next. */
  record Candidate(Job job, Chunk chunk) {}

  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private long sequence;

  Optional<Job> job(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  List<Job> jobs() {
    return List.copyOf(jobs.values());
  }

  JobBook apply(JobEvent event) {
    if (event instanceof JobSubmitted e) {
      jobs.put(e.jobId(), new Job(e.jobId(), e.request(), e.video(), e.pipeline(), e.atMillis(), sequence++));
      return this;
    }
    Job job = jobs.get(event.jobId());
    if (job == null) {
      throw new IllegalStateException("Event for unknown job " + event.jobId() + ": " + event);
    }
    if (event instanceof ChunksPlanned e) {
      for (int i = 0; i < e.chunks().size(); i++) {
        job.chunks.add(new Chunk(i, e.chunks().get(i)));
      }
    } else if (event instanceof ChunkLeased e) {
      Chunk c = job.chunks.get(e.chunk());
      c.state = ChunkState.LEASED;
      c.attempts = e.attempt();
      c.worker = e.worker();
      c.deadlineMillis = e.deadlineMillis();
      c.assignedAtMillis = 0;
      c.framesDone = 0;
      c.storing = false;
      if (job.state == Job.State.QUEUED) {
        job.state = Job.State.RUNNING;
        job.startedAtMillis = e.atMillis();
      }
    } else if (event instanceof ChunkCompleted e) {
      Chunk c = job.chunks.get(e.chunk());
      c.state = ChunkState.DONE;
      c.framesDone = e.frames();
      if (job.allChunksDone()) {
        job.state = Job.State.ASSEMBLING;
      }
    } else if (event instanceof ChunkFailed e) {
      Chunk c = job.chunks.get(e.chunk());
      c.state = ChunkState.PENDING;
      c.framesDone = 0;
      c.storing = false;
      String reason = "chunk " + e.chunk() + " attempt " + e.attempt() + (c.worker == null ? "" : " on " + c.worker)
          + ": " + e.reason();
      c.failures.add(reason);
      job.attemptFailures.add(reason);
      if (c.worker != null) {
        c.lastFailedWorker = c.worker;
        job.failuresByWorker.merge(c.worker, 1, Integer::sum);
      }
    } else if (event instanceof JobCompleted e) {
      job.state = Job.State.COMPLETED;
      job.finishedAtMillis = e.atMillis();
    } else if (event instanceof JobFailed e) {
      job.state = Job.State.FAILED;
      job.failure = e.reason();
      job.finishedAtMillis = e.atMillis();
    } else if (event instanceof JobCancelled e) {
      job.state = Job.State.CANCELLED;
      job.finishedAtMillis = e.atMillis();
    }
    return this;
  }

  /**
   * After a restart no lease survives: the workers that held them have been told nothing and may be
   * gone. Their chunks go back to pending (the next lease gets a higher attempt number, which fences
   * any late result from the old one); completed chunks are kept.
   */
  void releaseAllLeases() {
    for (Job job : jobs.values()) {
      for (Chunk c : job.chunks) {
        if (c.state == ChunkState.LEASED) {
          c.state = ChunkState.PENDING;
          c.framesDone = 0;
          c.storing = false;
        }
      }
    }
  }

  /** A worker that failed a job this often gets none of its chunks while other workers are there. */
  static final int WORKER_FAILURES_PER_JOB = 3;

  /** The next chunk for any device: highest priority first, then the oldest job, then the lowest chunk. */
  Optional<Candidate> nextPending() {
    return nextPending(DeviceFit.ANY);
  }

  Optional<Candidate> nextPending(DeviceFit device) {
    return nextPending(device, null, false);
  }

  /**
   * The next chunk for a device: never one whose pipeline cannot fit the device's budget; highest
   * priority first, then a job whose models are already resident there (model affinity), then the
   * oldest job, then the lowest chunk.
   */
  /**
   * As {@link #nextPending(DeviceFit)} for the slot {@code worker}. While {@code othersAvailable}, a
   * worker is not handed back a chunk whose last attempt failed on it, nor any chunk of a job it has
   * failed {@value #WORKER_FAILURES_PER_JOB} times: one bad node must not use up a job's attempts.
   */
  Optional<Candidate> nextPending(DeviceFit device, String worker, boolean othersAvailable) {
    boolean avoid = worker != null && othersAvailable;
    return jobs.values().stream()
        .filter(j -> j.state == Job.State.QUEUED || j.state == Job.State.RUNNING)
        .filter(j -> device.canHold(j.pipeline.memoryNeedBytes()))
        .filter(j -> !avoid || j.failuresByWorker.getOrDefault(worker, 0) < WORKER_FAILURES_PER_JOB)
        .sorted(Comparator.comparing((Job j) -> j.request.priority(), Comparator.reverseOrder())
            .thenComparing(j -> !device.holdsAll(j.pipeline.modelIds()))
            .thenComparingLong(j -> j.sequence))
        .flatMap(j -> j.chunks.stream().filter(c -> c.state == ChunkState.PENDING)
            .filter(c -> !avoid || !worker.equals(c.lastFailedWorker)).map(c -> new Candidate(j, c)))
        .findFirst();
  }


  /** Leases whose deadline has passed; never one whose result is being stored. */
  List<Candidate> expiredLeases(long nowMillis) {
    return leased().stream().filter(c -> !c.chunk().storing && c.chunk().deadlineMillis < nowMillis).toList();
  }

  /** Leases held by workers whose address starts with {@code address} (a node that left the cluster). */
  List<Candidate> leasesOn(String address) {
    return leased().stream().filter(c -> c.chunk().worker != null && c.chunk().worker.startsWith(address)).toList();
  }

  boolean holdsLease(String worker) {
    return leased().stream().anyMatch(c -> worker.equals(c.chunk().worker));
  }

  private List<Candidate> leased() {
    return jobs.values().stream().filter(Job::active)
        .flatMap(j -> j.chunks.stream().filter(c -> c.state == ChunkState.LEASED).map(c -> new Candidate(j, c)))
        .toList();
  }
}

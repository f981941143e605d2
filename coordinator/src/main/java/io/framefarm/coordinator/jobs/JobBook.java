package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.Job.Chunk;
import io.framefarm.coordinator.jobs.Job.ChunkState;
import io.framefarm.coordinator.jobs.JobEvent.*;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * The job manager's journal state: every live job (active, or finished and not yet archived).
 * Immutable: {@link #apply} returns a new book and is the only way state changes. Persistent
 * collections keep that cheap, where copying every job on every event would not be.
 */
public final class JobBook {
  private final PMap<String, Job> jobs;
  /** The next job's submission order. */
  private final long nextSequence;

  public JobBook() {
    this(HashTreePMap.empty(), 0);
  }

  JobBook(PMap<String, Job> jobs, long nextSequence) {
    this.jobs = jobs;
    this.nextSequence = nextSequence;
  }

  Optional<Job> job(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** Live jobs in submission order. */
  List<Job> jobs() {
    return jobs.values().stream().sorted(Comparator.comparingLong(Job::sequence)).toList();
  }

  /** Jobs whose chunks may be handed out. */
  List<Job> schedulable() {
    return jobs.values().stream().filter(Job::schedulable).toList();
  }

  int size() {
    return jobs.size();
  }

  long nextSequence() {
    return nextSequence;
  }

  /** The chunk if {@code attempt} is its live lease on an active job, else empty (a stale report). */
  Optional<Chunk> currentLease(String jobId, int chunk, int attempt) {
    return job(jobId).filter(Job::active)
        .filter(j -> chunk >= 0 && chunk < j.chunks().size())
        .map(j -> j.chunks().get(chunk))
        .filter(c -> c.isLeasedAt(attempt));
  }

  /** Every lease the journal holds (after a restart these are released at once). */
  List<LeaseOf> leases() {
    return jobs.values().stream().filter(Job::active)
        .flatMap(j -> j.chunks().stream().filter(c -> c.state() == ChunkState.LEASED).map(c -> new LeaseOf(j, c)))
        .toList();
  }

  /** A leased chunk and its job. */
  record LeaseOf(Job job, Chunk chunk) {}

  JobBook apply(JobEvent event) {
    if (event instanceof JobSubmitted e) {
      return new JobBook(jobs.plus(e.jobId(), Job.submitted(e, nextSequence)), nextSequence + 1);
    }
    Job job = jobs.get(event.jobId());
    if (job == null) {
      throw new IllegalStateException("Event for unknown job " + event.jobId() + ": " + event);
    }
    if (event instanceof ChunksPlanned e) {
      PVector<Chunk> chunks = e.firstIndex() == 0 ? TreePVector.empty() : job.chunks();
      if (chunks.size() != e.firstIndex()) {
        throw new IllegalStateException(e.jobId() + " has " + chunks.size() + " chunks planned, not " + e.firstIndex());
      }
      for (int i = 0; i < e.chunks().size(); i++) {
        chunks = chunks.plus(new Chunk(e.firstIndex() + i, e.chunks().get(i)));
      }
      Job planned = job.planned(chunks, e.planning());
      // The last chunks may all be done before the scan ends: then the end of planning starts the assembly.
      return with(planned.state() == Job.State.RUNNING && planned.allChunksDone()
          ? planned.with(Job.State.ASSEMBLING) : planned);
    } else if (event instanceof ChunkLeased e) {
      Job started = job.state() == Job.State.QUEUED ? job.started(e.atMillis()) : job;
      return with(started.withChunk(job.chunks().get(e.chunk()).leased(e.attempt(), e.worker())));
    } else if (event instanceof ChunkCompleted e) {
      Job updated = job.withChunk(job.chunks().get(e.chunk()).completed());
      return with(updated.allChunksDone() ? updated.with(Job.State.ASSEMBLING) : updated);
    } else if (event instanceof ChunkFailed e) {
      Chunk c = job.chunks().get(e.chunk());
      String reason = "chunk " + e.chunk() + " attempt " + e.attempt()
          + (c.worker() == null ? "" : " on " + c.worker()) + ": " + e.reason();
      return with(job.failedAttempt(c.failed(), reason));
    } else if (event instanceof ChunkLost e) {
      Chunk c = job.chunks().get(e.chunk());
      String reason = "chunk " + e.chunk() + " attempt " + e.attempt()
          + (c.worker() == null ? "" : " on " + c.worker()) + ": " + e.reason();
      return with(job.lostLease(c.lost(), reason));
    } else if (event instanceof ChunkReleased e) {
      return with(job.withChunk(job.chunks().get(e.chunk()).released()));
    } else if (event instanceof JobCompleted e) {
      return with(job.finished(Job.State.COMPLETED, e.atMillis(), null));
    } else if (event instanceof JobFailed e) {
      return with(job.finished(Job.State.FAILED, e.atMillis(), e.reason()));
    } else if (event instanceof JobCancelled e) {
      return with(job.finished(Job.State.CANCELLED, e.atMillis(), null));
    } else if (event instanceof AssemblyRetried e) {
      return with(job.assemblingAgain());
    } else if (event instanceof JobArchived e) {
      return new JobBook(jobs.minus(e.jobId()), nextSequence);
    }
    throw new IllegalStateException("Unknown job event " + event);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JobBook other && nextSequence == other.nextSequence && jobs.equals(other.jobs);
  }

  @Override
  public int hashCode() {
    return jobs.hashCode() * 31 + Long.hashCode(nextSequence);
  }

  private JobBook with(Job job) {
    return new JobBook(jobs.plus(job.id(), job), nextSequence);
  }
}

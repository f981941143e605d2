package io.framefarm.coordinator.activity;

import io.framefarm.coordinator.jobs.JobEvent;
import io.framefarm.coordinator.jobs.JobEvent.ChunkCompleted;
import io.framefarm.coordinator.jobs.JobEvent.ChunkFailed;
import io.framefarm.coordinator.jobs.JobEvent.ChunkLeased;
import io.framefarm.coordinator.jobs.JobEvent.ChunkLost;
import io.framefarm.coordinator.jobs.JobEvent.ChunkReleased;
import io.framefarm.coordinator.jobs.JobEvent.ChunksPlanned;
import io.framefarm.coordinator.jobs.JobEvent.JobArchived;
import io.framefarm.coordinator.jobs.JobEvent.JobCancelled;
import io.framefarm.coordinator.jobs.JobEvent.JobCompleted;
import io.framefarm.coordinator.jobs.JobEvent.JobFailed;
import io.framefarm.coordinator.jobs.JobEvent.JobSubmitted;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The read side's view of each live job's chunks, built from the job manager's journal: each chunk's state, the
 * node and device of every attempt, how each attempt ended and why, and how long it took. Plain Java, owned by
 * {@link JobActivity}. Knows what the journal still holds: a job whose early events were deleted after a snapshot
 * shows the chunks it has seen since.
 */
public final class ChunkBook {
  /** How many jobs it keeps at most (the job manager archives finished jobs long before this). */
  private static final int MAX_JOBS = 1000;

  /** One lease of a chunk. {@code outcome}: RUNNING, COMPLETED, FAILED, LOST, RELEASED or ENDED (job over). */
  public record Attempt(int attempt, String node, String deviceId, String outcome, String reason, long startedAtMillis,
      long endedAtMillis) {}

  /**
   * A chunk as the dashboard shows it. {@code state}: PENDING, LEASED, DONE; {@code seconds}: its completed
   * attempt's duration, else -1.
   */
  public record ChunkView(int index, int startFrame, int endFrame, String state, String node, String deviceId,
      List<Attempt> attempts, double seconds) {}

  public record JobChunks(String jobId, List<ChunkView> chunks) {}

  /** What an event meant: the feed's event (null for none) and, for metrics, seconds leased and waited (or -1). */
  record Applied(FarmEvent event, double leaseSeconds, double waitedSeconds) {
    static Applied of(FarmEvent event) {
      return new Applied(event, -1, -1);
    }
  }

  private static final class Chunk {
    int start = -1;
    int end = -1;
    String state = "PENDING";
    long pendingSince;
    final List<Attempt> attempts = new ArrayList<>();

    Attempt last() {
      return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
    }

    void endLast(String outcome, String reason, long at) {
      Attempt a = last();
      if (a != null && a.outcome().equals("RUNNING")) {
        attempts.set(attempts.size() - 1, new Attempt(a.attempt(), a.node(), a.deviceId(), outcome, reason,
            a.startedAtMillis(), at));
      }
    }
  }

  private static final class Job {
    long submittedAt;
    final List<Chunk> chunks = new ArrayList<>();

    Chunk chunk(int index) {
      while (chunks.size() <= index) {
        Chunk c = new Chunk();
        c.pendingSince = submittedAt;
        chunks.add(c);
      }
      return chunks.get(index);
    }
  }

  private final Map<String, Job> jobs = new LinkedHashMap<>();

  /** Applies one journaled event written at {@code at} (epoch millis). */
  Applied apply(JobEvent event, long at) {
    if (event instanceof JobSubmitted e) {
      Job job = job(e.jobId());
      job.submittedAt = e.atMillis();
      return Applied.of(new FarmEvent("JobSubmitted", e.atMillis(), e.jobId(), -1, -1, "", "",
          "submitted " + e.request().pipeline() + ": " + e.request().input()));
    }
    Job job = job(event.jobId());
    if (event instanceof ChunksPlanned e) {
      for (int i = 0; i < e.chunks().size(); i++) {
        Chunk c = job.chunk(e.firstIndex() + i);
        if (e.firstIndex() > 0) {
          c.pendingSince = at; // planned while the input was scanned: waiting from now
        }
        c.start = e.chunks().get(i).start();
        c.end = e.chunks().get(i).end();
      }
      return Applied.of(null);
    } else if (event instanceof ChunkLeased e) {
      Chunk c = job.chunk(e.chunk());
      c.state = "LEASED";
      c.attempts.add(new Attempt(e.attempt(), WorkerIds.node(e.worker()), WorkerIds.device(e.worker()), "RUNNING",
          "", e.atMillis(), 0));
      double waited = c.pendingSince > 0 ? Math.max(0, e.atMillis() - c.pendingSince) / 1000.0 : -1;
      return new Applied(chunkEvent("ChunkLeased", e.atMillis(), e.jobId(), e.chunk(), e.attempt(), c, "leased"),
          -1, waited);
    } else if (event instanceof ChunkCompleted e) {
      Chunk c = job.chunk(e.chunk());
      c.state = "DONE";
      c.endLast("COMPLETED", "", at);
      Attempt a = c.last();
      double seconds = a != null && a.startedAtMillis() > 0 ? Math.max(0, at - a.startedAtMillis()) / 1000.0 : -1;
      return new Applied(chunkEvent("ChunkCompleted", at, e.jobId(), e.chunk(), e.attempt(), c,
          e.frames() + " frames"), seconds, -1);
    } else if (event instanceof ChunkFailed e) {
      return Applied.of(pendingAgain(job, e.jobId(), e.chunk(), e.attempt(), "FAILED", "ChunkFailed", e.reason(), at));
    } else if (event instanceof ChunkLost e) {
      return Applied.of(pendingAgain(job, e.jobId(), e.chunk(), e.attempt(), "LOST", "ChunkLost", e.reason(), at));
    } else if (event instanceof ChunkReleased e) {
      return Applied.of(pendingAgain(job, e.jobId(), e.chunk(), e.attempt(), "RELEASED", "ChunkReleased", e.reason(),
          at));
    } else if (event instanceof JobCompleted e) {
      return Applied.of(new FarmEvent("JobCompleted", e.atMillis(), e.jobId(), -1, -1, "", "",
          "completed, " + e.frames() + " frames"));
    } else if (event instanceof JobFailed e) {
      endRunning(job, "job failed", e.atMillis());
      return Applied.of(new FarmEvent("JobFailed", e.atMillis(), e.jobId(), -1, -1, "", "", e.reason()));
    } else if (event instanceof JobCancelled e) {
      endRunning(job, "job cancelled", e.atMillis());
      return Applied.of(new FarmEvent("JobCancelled", e.atMillis(), e.jobId(), -1, -1, "", "", "cancelled"));
    } else if (event instanceof JobArchived e) {
      jobs.remove(e.jobId());
      return Applied.of(null);
    }
    return Applied.of(null);
  }

  Optional<JobChunks> chunks(String jobId) {
    Job job = jobs.get(jobId);
    if (job == null) {
      return Optional.empty();
    }
    List<ChunkView> views = new ArrayList<>();
    for (int i = 0; i < job.chunks.size(); i++) {
      Chunk c = job.chunks.get(i);
      Attempt last = c.last();
      double seconds = last != null && last.outcome().equals("COMPLETED")
          ? (last.endedAtMillis() - last.startedAtMillis()) / 1000.0 : -1;
      views.add(new ChunkView(i, c.start, c.end, c.state, last == null ? "" : last.node(),
          last == null ? "" : last.deviceId(), List.copyOf(c.attempts), seconds));
    }
    return Optional.of(new JobChunks(jobId, views));
  }

  /** Chunks leased now, per node address. */
  Map<String, Integer> busyByNode() {
    // Distinct slots: a busy slot may hold a second chunk, leased ahead.
    Map<String, java.util.Set<String>> busy = new HashMap<>();
    for (Job job : jobs.values()) {
      for (Chunk c : job.chunks) {
        Attempt a = c.last();
        if (c.state.equals("LEASED") && a != null) {
          busy.computeIfAbsent(a.node(), n -> new java.util.HashSet<>()).add(a.deviceId());
        }
      }
    }
    Map<String, Integer> counts = new HashMap<>();
    busy.forEach((node, slots) -> counts.put(node, slots.size()));
    return counts;
  }

  private Job job(String id) {
    Job job = jobs.get(id);
    if (job == null) {
      job = new Job();
      jobs.put(id, job);
      if (jobs.size() > MAX_JOBS) {
        Iterator<String> oldest = jobs.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
    }
    return job;
  }

  private static FarmEvent pendingAgain(Job job, String jobId, int index, int attempt, String outcome, String type,
      String reason, long at) {
    Chunk c = job.chunk(index);
    c.state = "PENDING";
    c.pendingSince = at;
    c.endLast(outcome, reason, at);
    return chunkEvent(type, at, jobId, index, attempt, c, reason);
  }

  private static void endRunning(Job job, String why, long at) {
    for (Chunk c : job.chunks) {
      if (c.state.equals("LEASED")) {
        c.state = "PENDING";
        c.endLast("ENDED", why, at);
      }
    }
  }

  private static FarmEvent chunkEvent(String type, long at, String jobId, int chunk, int attempt, Chunk c,
      String detail) {
    Attempt a = c.last();
    return new FarmEvent(type, at, jobId, chunk, attempt, a == null ? "" : a.node(), a == null ? "" : a.deviceId(),
        detail);
  }
}

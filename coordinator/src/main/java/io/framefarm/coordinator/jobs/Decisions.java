package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.Job.Chunk;
import io.framefarm.coordinator.jobs.JobEvent.ChunkFailed;
import io.framefarm.coordinator.jobs.JobEvent.ChunkLost;
import io.framefarm.coordinator.jobs.JobEvent.JobFailed;
import io.framefarm.coordinator.scheduler.LeaseClock.Lease;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/** The job manager's decisions that need no actor: which events a failure makes, which jobs leave the live state. */
final class Decisions {
  private Decisions() {}

  /** The events of failed attempts; {@code live} are the reported leases that were still live. */
  record Failures(List<JobEvent> events, List<Lease> live, Set<String> failedJobs) {
    /** These failures and {@code more} failed jobs, but for jobs that fail here already. */
    Failures withFailedJobs(List<JobFailed> more) {
      List<JobEvent> allEvents = new ArrayList<>(events);
      Set<String> allFailed = new LinkedHashSet<>(failedJobs);
      more.stream().filter(f -> allFailed.add(f.jobId())).forEach(allEvents::add);
      return new Failures(allEvents, live, allFailed);
    }
  }

  /**
   * Each live lease among {@code reported} failed: its chunk goes back to pending, or its job fails
   * once the chunk's failed attempts reach {@code maxAttempts}. Leases that already ended are ignored.
   */
  static Failures failures(JobBook book, List<Lease> reported, String reason, int maxAttempts, long nowMillis) {
    return ended(book, reported, maxAttempts, nowMillis, Chunk::failures,
        l -> new ChunkFailed(l.jobId(), l.chunk(), l.attempt(), reason),
        (l, n) -> "chunk " + l.chunk() + " failed " + n + " times; last: " + reason);
  }

  /**
   * Each live lease among {@code reported} was lost with its worker: its chunk goes back to pending
   * without using up a failed attempt, or its job fails once the chunk has lost {@code maxLosses} workers
   * (a chunk that takes its worker down with it must still end).
   */
  static Failures losses(JobBook book, List<Lease> reported, String reason, int maxLosses, long nowMillis) {
    return ended(book, reported, maxLosses, nowMillis, Chunk::losses,
        l -> new ChunkLost(l.jobId(), l.chunk(), l.attempt(), reason),
        (l, n) -> "chunk " + l.chunk() + " was lost with its worker " + n
            + " times (it may be what brings them down); last: " + reason);
  }

  /**
   * Live leases ended one way ({@code event}), counted per chunk by {@code count}; a job fails once a
   * chunk's count reaches {@code limit}.
   */
  private static Failures ended(JobBook book, List<Lease> reported, int limit, long nowMillis,
      ToIntFunction<Chunk> count, Function<Lease, JobEvent> event, BiFunction<Lease, Integer, String> jobFailure) {
    List<JobEvent> events = new ArrayList<>();
    List<Lease> live = new ArrayList<>();
    Set<String> failedJobs = new LinkedHashSet<>();
    for (Lease l : reported) {
      var chunk = book.currentLease(l.jobId(), l.chunk(), l.attempt());
      if (chunk.isEmpty()) {
        continue;
      }
      live.add(l);
      events.add(event.apply(l));
      int n = count.applyAsInt(chunk.get()) + 1;
      if (n >= limit && failedJobs.add(l.jobId())) {
        events.add(new JobFailed(l.jobId(), jobFailure.apply(l, n), nowMillis));
      }
    }
    return new Failures(events, live, failedJobs);
  }

  /**
   * Finished jobs beyond the retention: all but the newest {@code keep} finished ones, and any that
   * finished more than {@code keepForMillis} ago. {@code leaving} are already on their way out.
   */
  static List<Job> dueForArchive(JobBook book, Set<String> leaving, int keep, long keepForMillis, long nowMillis) {
    List<Job> finished = book.jobs().stream().filter(j -> !j.active() && !leaving.contains(j.id()))
        .sorted(Comparator.comparingLong((Job j) -> j.times().finishedAtMillis()).reversed()).toList();
    List<Job> due = new ArrayList<>();
    for (int i = 0; i < finished.size(); i++) {
      Job j = finished.get(i);
      if (i >= keep || nowMillis - j.times().finishedAtMillis() > keepForMillis) {
        due.add(j);
      }
    }
    return due;
  }
}

package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.JobEvent.JobArchived;
import io.framefarm.protocol.JobApi.JobStatus;
import io.framefarm.protocol.JobManagerCommand;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectFactories;

/**
 * Finished jobs leave the job manager's live state: those beyond the retention (see
 * {@link Decisions#dueForArchive}) are written to the history first, then journaled as archived, which
 * takes them out of the live state and of the next snapshot. A failed write is retried at the next tick.
 * Part of {@link JobManager}.
 */
final class Retention {
  private final EffectFactories<JobEvent, JobBook> effects;
  private final ActorContext<JobManagerCommand> context;
  private final JobFiles files;
  private final JobManagerSettings settings;
  private final Clock clock;
  private final Function<Job, JobStatus> status;
  /** Jobs whose final status is being written to the history; not offered again meanwhile. */
  private final Set<String> leaving = new HashSet<>();

  Retention(EffectFactories<JobEvent, JobBook> effects, ActorContext<JobManagerCommand> context, JobFiles files,
      JobManagerSettings settings, Clock clock, Function<Job, JobStatus> status) {
    this.effects = effects;
    this.context = context;
    this.files = files;
    this.settings = settings;
    this.clock = clock;
    this.status = status;
  }

  /** After a restart nothing is on its way out: writes in flight are offered again. */
  void clear() {
    leaving.clear();
  }

  void archiveDue(JobBook book) {
    List<Job> due = Decisions.dueForArchive(book, leaving, settings.keepFinished(),
        settings.keepFinishedFor().toMillis(), clock.millis());
    if (!due.isEmpty()) {
      due.forEach(j -> leaving.add(j.id()));
      files.archive(due.stream().map(status).toList());
    }
  }

  Effect<JobEvent, JobBook> onArchived(JobBook book, JobFiles.Archived c) {
    c.jobIds().forEach(leaving::remove);
    if (c.failure() != null) {
      context.getLog().warn("Could not archive {} finished job(s), will retry: {}", c.jobIds().size(), c.failure());
      return effects.none();
    }
    long now = clock.millis();
    List<JobEvent> events = c.jobIds().stream().filter(id -> book.job(id).map(j -> !j.active()).orElse(false))
        .<JobEvent>map(id -> new JobArchived(id, now)).toList();
    // The chunks of a job whose assembly failed were kept for a retry; archived, it can no longer have one.
    return events.isEmpty() ? effects.none()
        : effects.persist(events).thenRun(b -> events.forEach(e -> files.forget(e.jobId())));
  }
}

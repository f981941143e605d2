package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.JobEvent.ChunksPlanned;
import io.framefarm.coordinator.jobs.JobEvent.JobFailed;
import io.framefarm.coordinator.scheduler.LeaseClock;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.JobManagerCommand;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectFactories;

/**
 * The job manager's command handlers for a job accepted before its input was read to the end: its first chunks
 * were planned from the input's start, and the scan of the rest ({@link JobFiles#plan}) reports more chunks, then
 * all of them again, which must match what was planned before (else the input changed under the farm, or reorders
 * its frames further than decoders may). A scan that fails fails the job with its reason. After a restart, the
 * scan starts again from the input's start and appends what the journal does not hold yet.
 */
final class ChunkPlanning {
  private final EffectFactories<JobEvent, JobBook> effects;
  private final ActorContext<JobManagerCommand> context;
  private final JobFiles files;
  private final Clock clock;
  private final LeaseClock leases;
  private final Runnable offerParked;

  ChunkPlanning(EffectFactories<JobEvent, JobBook> effects, ActorContext<JobManagerCommand> context, JobFiles files,
      Clock clock, LeaseClock leases, Runnable offerParked) {
    this.effects = effects;
    this.context = context;
    this.files = files;
    this.clock = clock;
    this.leases = leases;
    this.offerParked = offerParked;
  }

  /** Starts (again) the scans of jobs still being planned: after recovery. */
  void resume(JobBook book) {
    book.jobs().stream().filter(j -> j.planning() && j.schedulable()).forEach(files::plan);
  }

  Effect<JobEvent, JobBook> onChunksScanned(JobBook book, JobFiles.ChunksScanned c) {
    var found = book.job(c.jobId()).filter(j -> j.planning() && j.schedulable());
    if (found.isEmpty()) {
      return effects.none(); // the job ended (or was planned) meanwhile
    }
    Job job = found.get();
    List<PlannedChunk> more = new ArrayList<>();
    for (int i = 0; i < c.chunks().size(); i++) {
      int index = c.firstIndex() + i;
      PlannedChunk scanned = c.chunks().get(i);
      if (index < job.chunks().size()) {
        PlannedChunk planned = job.chunks().get(index).range();
        if (!planned.equals(scanned)) {
          return fail(job, "input " + job.request().input() + " changed while it was read: chunk " + index
              + " was planned as " + describe(planned) + ", and is now " + describe(scanned));
        }
      } else if (index == job.chunks().size() + more.size()) {
        more.add(scanned);
      } else {
        throw new IllegalStateException(c.jobId() + ": scanned chunk " + index + " after " + job.chunks().size());
      }
    }
    if (c.complete() && c.firstIndex() + c.chunks().size() < job.chunks().size()) {
      return fail(job, "input " + job.request().input() + " changed while it was read: it has "
          + (c.firstIndex() + c.chunks().size()) + " chunks, " + job.chunks().size() + " were planned");
    }
    if (more.isEmpty() && !c.complete()) {
      return effects.none();
    }
    int first = job.chunks().size();
    return effects.persist(new ChunksPlanned(job.id(), more, first, !c.complete())).thenRun(b -> {
      Job planned = b.job(job.id()).orElseThrow();
      context.getLog().info("Planned {} more chunks of {} ({} in all{})", more.size(), job.id(),
          planned.chunks().size(), planned.planning() ? " so far" : ", the whole input");
      if (planned.state() == Job.State.ASSEMBLING) {
        files.assemble(planned);
      }
      offerParked.run();
    });
  }

  Effect<JobEvent, JobBook> onScanFailed(JobBook book, JobFiles.ScanFailed c) {
    var job = book.job(c.jobId()).filter(j -> j.planning() && j.schedulable());
    return job.isEmpty() ? effects.none() : fail(job.get(), c.reason());
  }

  private Effect<JobEvent, JobBook> fail(Job job, String reason) {
    return effects.persist(new JobFailed(job.id(), reason, clock.millis())).thenRun(b -> {
      context.getLog().warn("{} failed: {}", job.id(), reason);
      leases.endedJob(job.id());
      files.forget(job.id());
    });
  }

  private static String describe(PlannedChunk c) {
    return "frames [" + c.start() + ", " + c.end() + ") at pts [" + c.firstPts() + ", "
        + (c.endPts() == Long.MAX_VALUE ? "end" : String.valueOf(c.endPts())) + ")";
  }
}

package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.Job.Chunk;
import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.coordinator.jobs.JobManager.WorkerNodeBack;
import io.framefarm.coordinator.jobs.JobManager.WorkerNodeLost;
import io.framefarm.coordinator.scheduler.DeviceFit;
import io.framefarm.coordinator.scheduler.LeaseClock;
import io.framefarm.coordinator.scheduler.LeaseClock.Lease;
import io.framefarm.coordinator.scheduler.WorkQueue;
import io.framefarm.protocol.DrainProtocol.ChunkHandedBack;
import io.framefarm.protocol.DrainProtocol.WorkerDraining;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.WorkerCommand;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectFactories;

/**
 * The job manager's command handlers for one chunk's lease, from a slot's request for work to the
 * result's acknowledgement or the attempt's failure: each turns a command into journaled events and
 * keeps the (not journaled) {@link WorkQueue} and {@link LeaseClock} in step once they are persisted.
 * Part of {@link JobManager}, which owns the state and routes these commands here.
 */
final class ChunkLeases {
  /**
   * One line per assignment, at debug, when the worker is told (not when the lease is journaled: the segment is cut
   * in between). The submit-latency benchmark reads its time.
   */
  private static final org.slf4j.Logger ASSIGNMENTS = org.slf4j.LoggerFactory.getLogger(ChunkLeases.class);
  private final EffectFactories<JobEvent, JobBook> effects;
  private final ActorContext<JobManagerCommand> context;
  private final JobFiles files;
  private final JobManagerSettings settings;
  private final Clock clock;
  private final WorkQueue<RequestWork> queue;
  private final LeaseClock leases;
  private final Function<ActorRef<WorkerCommand>, String> workerId;
  /** Offers parked requests again once work may have appeared, now or at a time (epoch millis). */
  private final Runnable offerParked;
  private final LongConsumer offerParkedAt;
  /**
   * Nodes that became unreachable or were removed, until they are reachable again or a node joins at the
   * address. A request from one of their slots can still arrive after the loss was handled (it was sent
   * before, or buffered while this node was paused); leasing to it would give the chunk to a worker whose
   * loss was already counted, and nothing would reclaim it.
   */
  private final Set<String> lostNodes = new HashSet<>();
  private final DoubleConsumer assignmentSeconds;

  ChunkLeases(EffectFactories<JobEvent, JobBook> effects, ActorContext<JobManagerCommand> context, JobFiles files,
      JobManagerSettings settings, Clock clock, WorkQueue<RequestWork> queue, LeaseClock leases,
      Function<ActorRef<WorkerCommand>, String> workerId, Runnable offerParked, LongConsumer offerParkedAt,
      DoubleConsumer assignmentSeconds) {
    this.effects = effects;
    this.context = context;
    this.files = files;
    this.settings = settings;
    this.clock = clock;
    this.queue = queue;
    this.leases = leases;
    this.workerId = workerId;
    this.offerParked = offerParked;
    this.offerParkedAt = offerParkedAt;
    this.assignmentSeconds = assignmentSeconds;
  }

  /** Leases past their deadline fail, and so do the {@code stuck} jobs (that no worker may take any more). */
  Effect<JobEvent, JobBook> expire(JobBook book, List<JobFailed> stuck) {
    List<Lease> expired = leases.expired(clock.millis());
    var failures = Decisions.failures(book, expired, ChunkFailed.LEASE_EXPIRED + " after "
        + settings.leaseTimeout().toSeconds() + " s without progress", settings.maxAttempts(), clock.millis());
    expired.stream().filter(l -> !failures.live().contains(l)).forEach(leases::ended);
    failures.live().forEach(l -> context.getLog().warn("{} chunk {} attempt {} failed: lease expired", l.jobId(),
        l.chunk(), l.attempt()));
    stuck.stream().filter(f -> !failures.failedJobs().contains(f.jobId()))
        .forEach(f -> context.getLog().warn("{} failed: {}", f.jobId(), f.reason()));
    return record(failures.withFailedJobs(stuck));
  }

  Effect<JobEvent, JobBook> onRequestWork(JobBook book, RequestWork c) {
    String worker = workerId.apply(c.worker());
    // One chunk at a time, and one more ahead while the slot works on it. A request from an idle slot that holds a
    // lease here crossed its assignment in flight (or the chunk it leased ahead, which it takes up now).
    if (leases.heldBy(worker) > (c.ahead() ? 1 : 0)) {
      return effects.none();
    }
    if (lostNodes.contains(nodeOf(worker))) {
      context.getLog().debug("Ignoring a request for work from {}: its node was lost", worker);
      return effects.none();
    }
    var request = new WorkQueue.Request<>(worker, c, DeviceFit.of(c.snapshot()));
    var pick = queue.request(request, book.schedulable(), clock.millis());
    if (pick.isEmpty()) {
      if (queue.deferredUntilMillis() > 0) {
        offerParkedAt.accept(queue.deferredUntilMillis()); // it waits out a cold start (see WorkQueue)
      }
      return effects.none();
    }
    Job job = book.job(pick.get().jobId()).orElseThrow();
    Chunk chunk = job.chunks().get(pick.get().chunk());
    Lease lease = new Lease(job.id(), chunk.index(), chunk.attempts() + 1);
    long now = clock.millis();
    long pickedAt = System.nanoTime();
    // The deadline in the event is informational; the lease clock decides (and starts empty after a restart).
    var event = new ChunkLeased(job.id(), chunk.index(), lease.attempt(), worker,
        now + settings.startupGrace().toMillis(), now);
    return effects.persist(event).thenRun(b -> {
      leases.leased(lease, worker, now);
      files.cutSegment(job, chunk, lease, c.worker(), pickedAt);
    });
  }

  Effect<JobEvent, JobBook> onSegmentReady(JobBook book, JobFiles.SegmentReady c) {
    AssignChunk a = c.assignment();
    // The lease's clock starts when the worker can know of it, not while the coordinator cut its input.
    if (book.currentLease(a.jobId(), a.chunk(), a.attempt()).isEmpty()
        || !leases.assigned(new Lease(a.jobId(), a.chunk(), a.attempt()), clock.millis())) {
      files.forgetIfEnded(book, a.jobId());
      return effects.none(); // the lease ended while the segment was cut; the worker asks again on its own
    }
    c.worker().tell(a);
    assignmentSeconds.accept((System.nanoTime() - c.pickedAtNanos()) / 1e9);
    ASSIGNMENTS.debug("Assigned {} chunk {} attempt {}", a.jobId(), a.chunk(), a.attempt());
    return effects.none();
  }

  Effect<JobEvent, JobBook> onChunkProgress(JobBook book, ChunkProgress c) {
    leases.progress(new Lease(c.jobId(), c.chunk(), c.attempt()), c.framesDone(), clock.millis());
    return effects.none();
  }

  Effect<JobEvent, JobBook> onChunkDone(JobBook book, ChunkDone c) {
    Lease lease = new Lease(c.jobId(), c.chunk(), c.attempt());
    var chunk = book.currentLease(c.jobId(), c.chunk(), c.attempt());
    if (chunk.isEmpty()) {
      c.worker().tell(new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), false,
          "stale result: the lease ended or moved to another attempt"));
      return effects.none();
    }
    leases.storing(lease);
    files.storeResult(c, chunk.get(), lease);
    return effects.none();
  }

  Effect<JobEvent, JobBook> onResultStored(JobBook book, JobFiles.ResultStored c) {
    Lease l = c.lease();
    if (book.currentLease(l.jobId(), l.chunk(), l.attempt()).isEmpty()) {
      files.forgetIfEnded(book, l.jobId());
      c.worker().tell(new ChunkAcknowledged(l.jobId(), l.chunk(), l.attempt(), false,
          "stale result: the lease ended while the result was stored"));
      return effects.none();
    }
    return effects.persist(new ChunkCompleted(l.jobId(), l.chunk(), l.attempt(), c.frames())).thenRun(b -> {
      leases.ended(l);
      c.worker().tell(new ChunkAcknowledged(l.jobId(), l.chunk(), l.attempt(), true, ""));
      Job job = b.job(l.jobId()).orElseThrow();
      if (job.state() == Job.State.ASSEMBLING) {
        files.assemble(job);
      }
    });
  }

  Effect<JobEvent, JobBook> onResultRejected(JobBook book, JobFiles.ResultRejected c) {
    Lease l = c.lease();
    c.worker().tell(new ChunkAcknowledged(l.jobId(), l.chunk(), l.attempt(), false, c.reason()));
    files.forgetIfEnded(book, l.jobId());
    return failAll(book, List.of(l), c.reason());
  }

  Effect<JobEvent, JobBook> onChunkAttemptFailed(JobBook book, ChunkAttemptFailed c) {
    c.worker().tell(new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), true, ""));
    return failAll(book, List.of(new Lease(c.jobId(), c.chunk(), c.attempt())), c.reason());
  }

  Effect<JobEvent, JobBook> onWorkerNodeLost(JobBook book, WorkerNodeLost c) {
    lostNodes.add(c.address());
    queue.forgetWorkersOn(c.address());
    var losses = Decisions.losses(book, leases.heldOn(c.address()), "worker " + c.address() + " lost: " + c.why(),
        settings.maxWorkerLosses(), clock.millis());
    losses.live().forEach(l -> context.getLog().warn("{} chunk {} attempt {} lost with worker {}", l.jobId(),
        l.chunk(), l.attempt(), c.address()));
    return record(losses);
  }

  /** Its slots may lease again; they ask again on their own. */
  Effect<JobEvent, JobBook> onWorkerNodeBack(JobBook book, WorkerNodeBack c) {
    lostNodes.remove(c.address());
    return effects.none();
  }

  /** {@code pekko://system@host:port} of a worker's full address. */
  static String nodeOf(String workerId) {
    int slash = workerId.indexOf('/', "pekko://".length());
    return slash < 0 ? workerId : workerId.substring(0, slash);
  }

  /** A draining slot asks for nothing more: it leaves the queue (its running chunk, if any, stays leased). */
  Effect<JobEvent, JobBook> onWorkerDraining(JobBook book, WorkerDraining c) {
    String worker = workerId.apply(c.worker());
    queue.forgetWorker(worker);
    context.getLog().info("Worker {} is draining: it takes no more chunks", worker);
    return effects.none();
  }

  /** A draining slot gave back a chunk it will not finish: pending again, without using up an attempt. */
  Effect<JobEvent, JobBook> onChunkHandedBack(JobBook book, ChunkHandedBack c) {
    queue.forgetWorker(workerId.apply(c.worker()));
    context.getLog().info("{} chunk {} attempt {} handed back: {}", c.jobId(), c.chunk(), c.attempt(), c.reason());
    return release(book, List.of(new Lease(c.jobId(), c.chunk(), c.attempt())), "handed back: " + c.reason());
  }

  /** Each live lease among {@code reported} failed (see {@link Decisions#failures}); stale ones are dropped. */
  Effect<JobEvent, JobBook> failAll(JobBook book, List<Lease> reported, String reason) {
    var failures = Decisions.failures(book, reported, reason, settings.maxAttempts(), clock.millis());
    reported.stream().filter(l -> !failures.live().contains(l)).forEach(leases::ended);
    failures.live().forEach(l -> context.getLog().warn("{} chunk {} attempt {} failed: {}", l.jobId(), l.chunk(),
        l.attempt(), reason));
    return record(failures);
  }

  /** Journals failed or lost leases; once persisted they leave the clock and parked slots may take the chunks. */
  private Effect<JobEvent, JobBook> record(Decisions.Failures failures) {
    if (failures.events().isEmpty()) {
      return effects.none();
    }
    return effects.persist(failures.events()).thenRun(b -> {
      failures.live().forEach(leases::ended);
      failures.failedJobs().forEach(id -> {
        leases.endedJob(id);
        files.forget(id);
      });
      offerParked.run();
    });
  }

  /** Releases the still live leases among {@code leased}: pending again, without using up an attempt. */
  Effect<JobEvent, JobBook> release(JobBook book, List<Lease> leased, String reason) {
    List<JobEvent> events = leased.stream()
        .filter(l -> book.currentLease(l.jobId(), l.chunk(), l.attempt()).isPresent())
        .<JobEvent>map(l -> new ChunkReleased(l.jobId(), l.chunk(), l.attempt(), reason)).toList();
    return events.isEmpty() ? effects.none() : effects.persist(events).thenRun(b -> {
      leased.forEach(leases::ended);
      offerParked.run();
    });
  }
}

package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.jobs.Job.Chunk;
import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.coordinator.scheduler.DeviceFit;
import io.framefarm.coordinator.scheduler.LeaseClock;
import io.framefarm.coordinator.scheduler.LeaseClock.Lease;
import io.framefarm.coordinator.scheduler.WorkQueue;
import io.framefarm.coordinator.transfer.Transfers;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.WorkerCommand;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The farm's job manager, a cluster singleton on coordinator nodes. Event sourced: it turns commands
 * into journaled events (job accepted, chunks planned, chunk leased / completed / failed / released,
 * job finished, job archived) and wires the replies. Scheduling ({@link WorkQueue}) and lease timing
 * ({@link LeaseClock}) are not journaled and start empty after recovery; files move through
 * {@link Transfers}. A journal failure restarts it with backoff; recovery releases every lease.
 */
public final class JobManager extends EventSourcedBehavior<JobManagerCommand, JobEvent, JobBook> {

  /** A cluster member left or became unreachable; sent by {@link MembershipWatcher}. */
  public record WorkerNodeLost(String address, String why)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  /** Checks lease deadlines and retention; package-private so that tests can drive it with their own clock. */
  enum Tick implements JobManagerCommand, NoSerializationVerificationNeeded { INSTANCE }

  private enum ReleaseRecoveredLeases implements JobManagerCommand, NoSerializationVerificationNeeded { INSTANCE }

  private final ActorContext<JobManagerCommand> context;
  private final JobFiles files;
  private final JobManagerSettings settings;
  private final Clock clock;
  private final WorkQueue<RequestWork> queue;
  private final LeaseClock leases;
  /** Jobs whose final status is being written to the history; not offered again meanwhile. */
  private final Set<String> archiving = new HashSet<>();

  public static Behavior<JobManagerCommand> create(Transfers transfer, JobHistory history, JobManagerSettings settings) {
    return create(transfer, history, settings, Clock.systemUTC());
  }

  static Behavior<JobManagerCommand> create(Transfers transfer, JobHistory history, JobManagerSettings settings,
      Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tick());
      return new JobManager(context, transfer, history, settings, clock);
    }));
  }

  private JobManager(ActorContext<JobManagerCommand> context, Transfers transfer, JobHistory history,
      JobManagerSettings settings, Clock clock) {
    super(PersistenceId.ofUniqueId("framefarm-job-manager"),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.context = context;
    this.files = new JobFiles(context, transfer, history, settings.leaseTimeout());
    this.settings = settings;
    this.clock = clock;
    this.queue = new WorkQueue<>(settings.workerSeen());
    this.leases = new LeaseClock(settings.leaseTimeout(), settings.startupGrace());
  }

  @Override
  public JobBook emptyState() {
    return new JobBook();
  }

  @Override
  public EventHandler<JobBook, JobEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(JobBook::apply);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return settings.snapshotEvery() > 0
        ? RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2).withDeleteEventsOnSnapshot()
        : RetentionCriteria.disabled();
  }

  @Override
  public SignalHandler<JobBook> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::onRecovered).build();
  }

  /** No lease survives a restart: the workers that held them were told nothing and may be gone. */
  private void onRecovered(JobBook book) {
    leases.clear();
    queue.drainParked();
    archiving.clear();
    for (Job job : book.jobs()) {
      if (job.state() == Job.State.ASSEMBLING) {
        files.assemble(job);
      } else if (!job.active()) {
        files.forget(job.id()); // files of a job that ended just before a crash
      }
    }
    if (!book.leases().isEmpty()) {
      context.getSelf().tell(ReleaseRecoveredLeases.INSTANCE);
    }
    context.getLog().info("Job manager recovered {} live jobs", book.size());
  }

  @Override
  public CommandHandler<JobManagerCommand, JobEvent, JobBook> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(SubmitJob.class, this::onSubmitJob)
        .onCommand(GetJob.class, (book, c) -> reply(c.replyTo(), book.job(c.jobId())
            .<JobReply>map(this::status).orElse(new JobNotFound(c.jobId()))))
        .onCommand(ListJobs.class, (book, c) -> reply(c.replyTo(),
            new JobList(book.jobs().stream().map(this::status).toList())))
        .onCommand(CancelJob.class, this::onCancelJob)
        .onCommand(RequestWork.class, this::onRequestWork)
        .onCommand(JobFiles.SegmentReady.class, this::onSegmentReady)
        .onCommand(JobFiles.SegmentFailed.class, (book, c) -> failAll(book, List.of(c.lease()), c.reason()))
        .onCommand(ChunkProgress.class, this::onChunkProgress)
        .onCommand(ChunkDone.class, this::onChunkDone)
        .onCommand(JobFiles.ResultStored.class, this::onResultStored)
        .onCommand(JobFiles.ResultRejected.class, this::onResultRejected)
        .onCommand(ChunkAttemptFailed.class, this::onChunkAttemptFailed)
        .onCommand(JobFiles.Assembled.class, this::onAssembled)
        .onCommand(WorkerNodeLost.class, this::onWorkerNodeLost)
        .onCommand(Tick.class, this::onTick)
        .onCommand(JobFiles.Archived.class, this::onArchived)
        .onCommand(ReleaseRecoveredLeases.class, this::onReleaseRecoveredLeases)
        .build();
  }

  private JobStatus status(Job job) {
    return job.status(queue.largestBudgetSeen(), c -> leases.framesDone(new Lease(job.id(), c.index(), c.attempts())));
  }

  private <T> Effect<JobEvent, JobBook> reply(ActorRef<T> replyTo, T message) {
    replyTo.tell(message);
    return Effect().none();
  }

  private Effect<JobEvent, JobBook> onSubmitJob(JobBook book, SubmitJob c) {
    if (c.chunks().isEmpty()) {
      return reply(c.replyTo(), new JobRejected("input " + c.request().input() + " has no frames to process"));
    }
    String jobId = "job-" + UUID.randomUUID().toString().substring(0, 8);
    List<JobEvent> events = List.of(new JobSubmitted(jobId, c.request(), c.video(), c.pipeline(), now()),
        new ChunksPlanned(jobId, c.chunks()));
    return Effect().persist(events).thenRun(b -> {
      context.getLog().info("Accepted {}: {} -> {} ({} chunks, pipeline {})", jobId, c.request().input(),
          c.request().output(), c.chunks().size(), c.request().pipeline());
      c.replyTo().tell(new JobAccepted(jobId));
      offerParked();
    });
  }

  private Effect<JobEvent, JobBook> onCancelJob(JobBook book, CancelJob c) {
    var job = book.job(c.jobId());
    if (job.isEmpty()) {
      return reply(c.replyTo(), new JobNotFound(c.jobId()));
    }
    if (!job.get().schedulable()) {
      return reply(c.replyTo(), status(job.get())); // finished, or too late: the output is being written
    }
    return Effect().persist(new JobCancelled(c.jobId(), now())).thenRun(b -> {
      leases.endedJob(c.jobId());
      c.replyTo().tell(status(b.job(c.jobId()).orElseThrow()));
      files.forget(c.jobId());
    });
  }

  private Effect<JobEvent, JobBook> onRequestWork(JobBook book, RequestWork c) {
    String worker = workerId(c.worker());
    if (leases.holds(worker)) {
      return Effect().none(); // a repeated request that crossed its assignment in flight: one chunk at a time
    }
    var request = new WorkQueue.Request<>(worker, c, DeviceFit.of(c.snapshot()));
    var pick = queue.request(request, book.schedulable(), now());
    if (pick.isEmpty()) {
      return Effect().none();
    }
    Job job = book.job(pick.get().jobId()).orElseThrow();
    Chunk chunk = job.chunks().get(pick.get().chunk());
    Lease lease = new Lease(job.id(), chunk.index(), chunk.attempts() + 1);
    long now = now();
    // The deadline in the event is informational; the lease clock decides (and starts empty after a restart).
    var event = new ChunkLeased(job.id(), chunk.index(), lease.attempt(), worker,
        now + settings.startupGrace().toMillis(), now);
    return Effect().persist(event).thenRun(b -> {
      leases.leased(lease, worker, now);
      files.cutSegment(job, chunk, lease, c.worker());
    });
  }

  private Effect<JobEvent, JobBook> onSegmentReady(JobBook book, JobFiles.SegmentReady c) {
    AssignChunk a = c.assignment();
    // The lease's clock starts when the worker can know of it, not while the coordinator cut its input.
    if (book.currentLease(a.jobId(), a.chunk(), a.attempt()).isEmpty()
        || !leases.assigned(new Lease(a.jobId(), a.chunk(), a.attempt()), now())) {
      files.forgetIfEnded(book, a.jobId());
      return Effect().none(); // the lease ended while the segment was cut; the worker asks again on its own
    }
    c.worker().tell(a);
    return Effect().none();
  }

  private Effect<JobEvent, JobBook> onChunkProgress(JobBook book, ChunkProgress c) {
    leases.progress(new Lease(c.jobId(), c.chunk(), c.attempt()), c.framesDone(), now());
    return Effect().none();
  }

  private Effect<JobEvent, JobBook> onChunkDone(JobBook book, ChunkDone c) {
    Lease lease = new Lease(c.jobId(), c.chunk(), c.attempt());
    var chunk = book.currentLease(c.jobId(), c.chunk(), c.attempt());
    if (chunk.isEmpty()) {
      return reply(c.worker(), new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), false,
          "stale result: the lease ended or moved to another attempt"));
    }
    leases.storing(lease);
    files.storeResult(c, chunk.get(), lease);
    return Effect().none();
  }

  private Effect<JobEvent, JobBook> onResultStored(JobBook book, JobFiles.ResultStored c) {
    Lease l = c.lease();
    if (book.currentLease(l.jobId(), l.chunk(), l.attempt()).isEmpty()) {
      files.forgetIfEnded(book, l.jobId());
      return reply(c.worker(), new ChunkAcknowledged(l.jobId(), l.chunk(), l.attempt(), false,
          "stale result: the lease ended while the result was stored"));
    }
    return Effect().persist(new ChunkCompleted(l.jobId(), l.chunk(), l.attempt(), c.frames())).thenRun(b -> {
      leases.ended(l);
      c.worker().tell(new ChunkAcknowledged(l.jobId(), l.chunk(), l.attempt(), true, ""));
      Job job = b.job(l.jobId()).orElseThrow();
      if (job.state() == Job.State.ASSEMBLING) {
        files.assemble(job);
      }
    });
  }

  private Effect<JobEvent, JobBook> onResultRejected(JobBook book, JobFiles.ResultRejected c) {
    Lease l = c.lease();
    c.worker().tell(new ChunkAcknowledged(l.jobId(), l.chunk(), l.attempt(), false, c.reason()));
    files.forgetIfEnded(book, l.jobId());
    return failAll(book, List.of(l), c.reason());
  }

  private Effect<JobEvent, JobBook> onChunkAttemptFailed(JobBook book, ChunkAttemptFailed c) {
    c.worker().tell(new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), true, ""));
    return failAll(book, List.of(new Lease(c.jobId(), c.chunk(), c.attempt())), c.reason());
  }

  private Effect<JobEvent, JobBook> onAssembled(JobBook book, JobFiles.Assembled c) {
    var job = book.job(c.jobId()).filter(j -> j.state() == Job.State.ASSEMBLING);
    if (job.isEmpty()) {
      return Effect().none();
    }
    String failure = c.failure();
    if (failure == null && c.frames() != job.get().totalFrames()) {
      failure = "assembled output has " + c.frames() + " frames, expected " + job.get().totalFrames();
    }
    JobEvent event = failure == null ? new JobCompleted(c.jobId(), c.frames(), now())
        : new JobFailed(c.jobId(), "assembly failed: " + failure, now());
    return Effect().persist(event).thenRun(b -> {
      context.getLog().info("{} finished: {}", c.jobId(), b.job(c.jobId()).orElseThrow().state());
      files.forget(c.jobId());
    });
  }

  private Effect<JobEvent, JobBook> onWorkerNodeLost(JobBook book, WorkerNodeLost c) {
    queue.forgetWorkersOn(c.address());
    return failAll(book, leases.heldOn(c.address()), "worker " + c.address() + " lost: " + c.why());
  }

  private Effect<JobEvent, JobBook> onTick(JobBook book, Tick c) {
    List<Lease> expired = leases.expired(now());
    if (expired.isEmpty()) {
      archiveFinished(book);
      return Effect().none();
    }
    return failAll(book, expired, "lease expired after " + settings.leaseTimeout().toSeconds() + " s without progress");
  }

  /** Each live lease among {@code reported} failed (see {@link Decisions#failures}); stale ones are dropped. */
  private Effect<JobEvent, JobBook> failAll(JobBook book, List<Lease> reported, String reason) {
    var failures = Decisions.failures(book, reported, reason, settings.maxAttempts(), now());
    reported.stream().filter(l -> !failures.live().contains(l)).forEach(leases::ended);
    if (failures.events().isEmpty()) {
      return Effect().none();
    }
    failures.live().forEach(l -> context.getLog().warn("{} chunk {} attempt {} failed: {}", l.jobId(), l.chunk(),
        l.attempt(), reason));
    return Effect().persist(failures.events()).thenRun(b -> {
      failures.live().forEach(leases::ended);
      failures.failedJobs().forEach(id -> {
        leases.endedJob(id);
        files.forget(id);
      });
      offerParked();
    });
  }

  private Effect<JobEvent, JobBook> onReleaseRecoveredLeases(JobBook book, ReleaseRecoveredLeases c) {
    List<JobEvent> events = book.leases().stream().<JobEvent>map(l -> new ChunkReleased(l.job().id(),
        l.chunk().index(), l.chunk().attempts(), "the coordinator restarted")).toList();
    return events.isEmpty() ? Effect().none() : Effect().persist(events).thenRun(b -> offerParked());
  }

  /** Finished jobs beyond the retention go to the history, then are journaled as archived (see onArchived). */
  private void archiveFinished(JobBook book) {
    List<Job> due = Decisions.dueForArchive(book, archiving, settings.keepFinished(),
        settings.keepFinishedFor().toMillis(), now());
    if (!due.isEmpty()) {
      due.forEach(j -> archiving.add(j.id()));
      files.archive(due.stream().map(this::status).toList());
    }
  }

  private Effect<JobEvent, JobBook> onArchived(JobBook book, JobFiles.Archived c) {
    c.jobIds().forEach(archiving::remove);
    if (c.failure() != null) {
      context.getLog().warn("Could not archive {} finished job(s), will retry: {}", c.jobIds().size(), c.failure());
      return Effect().none();
    }
    long now = now();
    List<JobEvent> events = c.jobIds().stream().filter(id -> book.job(id).map(j -> !j.active()).orElse(false))
        .<JobEvent>map(id -> new JobArchived(id, now)).toList();
    return events.isEmpty() ? Effect().none() : Effect().persist(events);
  }

  /** Offers every parked request again, each as its own command: each lease is persisted by its own command. */
  private void offerParked() {
    if (!queue.hasParked()) {
      return;
    }
    queue.drainParked().forEach(request -> context.getSelf().tell(request.handle()));
  }

  private long now() {
    return clock.millis();
  }

  /** A worker's full address, host and port included even for a slot on this node. */
  private String workerId(ActorRef<WorkerCommand> worker) {
    return ActorRefResolver.get(context.getSystem()).toSerializationFormat(worker);
  }
}

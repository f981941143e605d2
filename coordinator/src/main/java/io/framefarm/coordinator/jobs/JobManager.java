package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.coordinator.scheduler.LeaseClock;
import io.framefarm.coordinator.scheduler.LeaseClock.Lease;
import io.framefarm.coordinator.scheduler.WorkQueue;
import io.framefarm.coordinator.transfer.Transfers;
import io.framefarm.protocol.DrainProtocol.ChunkHandedBack;
import io.framefarm.protocol.DrainProtocol.WorkerDraining;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.ModelProtocol.FetchModelFile;
import io.framefarm.protocol.ModelProtocol.ModelFileRefused;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.WorkerCommand;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.DoubleConsumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
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
  /** The journal's one persistence id: the read side ({@code activity}) follows it. */
  public static final String PERSISTENCE_ID = "framefarm-job-manager";

  /** A cluster member left or became unreachable; sent by {@link MembershipWatcher}. */
  public record WorkerNodeLost(String address, String why)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  /** A member that was lost is reachable again, or a node joined at that address; sent by {@link MembershipWatcher}. */
  public record WorkerNodeBack(String address) implements JobManagerCommand, NoSerializationVerificationNeeded {}

  /** Checks lease deadlines and retention; package-private so that tests can drive it with their own clock. */
  enum Tick implements JobManagerCommand, NoSerializationVerificationNeeded { INSTANCE }

  /** A request parked to wait out a cold start may take its job now (see {@code WorkQueue}). */
  enum OfferParked implements JobManagerCommand, NoSerializationVerificationNeeded { INSTANCE }

  /** The leases the journal held at recovery; the ones still live when this is handled are released. */
  private record ReleaseRecoveredLeases(List<Lease> recovered)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  private final ActorContext<JobManagerCommand> context;
  private final JobFiles files;
  private final JobManagerSettings settings;
  private final Clock clock;
  private final WorkQueue<RequestWork> queue;
  private final TimerScheduler<JobManagerCommand> timers;
  /** When parked requests are offered again by the OfferParked timer (epoch millis); 0 when not set. */
  private long offerParkedAtMillis;
  private final LeaseClock leases;
  private final ChunkLeases leasing;
  private final ChunkPlanning planning;
  private final Retention retention;
  private final ModelFileIndex modelFiles = new ModelFileIndex();

  public static Behavior<JobManagerCommand> create(Transfers transfer, JobHistory history,
      JobManagerSettings settings) {
    return create(transfer, history, settings, seconds -> { });
  }

  /**
   * @param assignmentSeconds told, for each assignment, the seconds from the job manager picking the chunk for a
   *     slot's request to telling the slot (the lease's journal write and the segment cut)
   */
  public static Behavior<JobManagerCommand> create(Transfers transfer, JobHistory history,
      JobManagerSettings settings, DoubleConsumer assignmentSeconds) {
    return create(transfer, history, settings, Clock.systemUTC(), assignmentSeconds);
  }

  static Behavior<JobManagerCommand> create(Transfers transfer, JobHistory history, JobManagerSettings settings,
      Clock clock) {
    return create(transfer, history, settings, clock, seconds -> { });
  }

  private static Behavior<JobManagerCommand> create(Transfers transfer, JobHistory history,
      JobManagerSettings settings, Clock clock, DoubleConsumer assignmentSeconds) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tick());
      return new JobManager(context, timers, transfer, history, settings, clock, assignmentSeconds);
    }));
  }

  private JobManager(ActorContext<JobManagerCommand> context, TimerScheduler<JobManagerCommand> timers,
      Transfers transfer, JobHistory history, JobManagerSettings settings, Clock clock,
      DoubleConsumer assignmentSeconds) {
    super(PersistenceId.ofUniqueId(PERSISTENCE_ID),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.context = context;
    this.timers = timers;
    this.files = new JobFiles(context, transfer, history, settings.leaseTimeout());
    this.settings = settings;
    this.clock = clock;
    this.queue = new WorkQueue<>(settings.workerSeen(), settings.placement(), settings.coldStartDelay());
    this.leases = new LeaseClock(settings.leaseTimeout(), settings.startupGrace());
    this.retention = new Retention(Effect(), context, files, settings, clock, this::status);
    this.leasing = new ChunkLeases(Effect(), context, files, settings, clock, queue, leases, this::workerId,
        this::offerParked, this::offerParkedAt, assignmentSeconds);
    this.planning = new ChunkPlanning(Effect(), context, files, clock, leases, this::offerParked);
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
    retention.clear();
    for (Job job : book.jobs()) {
      if (job.state() == Job.State.ASSEMBLING) {
        files.assemble(job);
      } else if (!job.active() && !job.assemblyFailed()) {
        files.forget(job.id()); // files of a job that ended just before a crash
      }
    }
    planning.resume(book);
    List<Lease> recovered = book.leases().stream()
        .map(l -> new Lease(l.job().id(), l.chunk().index(), l.chunk().attempts())).toList();
    if (!recovered.isEmpty()) {
      context.getSelf().tell(new ReleaseRecoveredLeases(recovered)); // a command: only commands persist events
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
            new JobList(book.jobs().stream().map(j -> status(j).summary()).toList())))
        .onCommand(CancelJob.class, this::onCancelJob)
        .onCommand(RetryJob.class, this::onRetryJob)
        .onCommand(RequestWork.class, leasing::onRequestWork)
        .onCommand(JobFiles.SegmentReady.class, leasing::onSegmentReady)
        .onCommand(JobFiles.SegmentFailed.class, (book, c) -> leasing.failAll(book, List.of(c.lease()), c.reason()))
        .onCommand(JobFiles.ChunksScanned.class, planning::onChunksScanned)
        .onCommand(JobFiles.ScanFailed.class, planning::onScanFailed)
        .onCommand(ChunkProgress.class, leasing::onChunkProgress)
        .onCommand(ChunkDone.class, leasing::onChunkDone)
        .onCommand(JobFiles.ResultStored.class, leasing::onResultStored)
        .onCommand(JobFiles.ResultRejected.class, leasing::onResultRejected)
        .onCommand(ChunkAttemptFailed.class, leasing::onChunkAttemptFailed)
        .onCommand(JobFiles.Assembled.class, this::onAssembled)
        .onCommand(WorkerNodeLost.class, leasing::onWorkerNodeLost)
        .onCommand(WorkerNodeBack.class, leasing::onWorkerNodeBack)
        .onCommand(WorkerDraining.class, leasing::onWorkerDraining)
        .onCommand(ChunkHandedBack.class, leasing::onChunkHandedBack)
        .onCommand(FetchModelFile.class, this::onFetchModelFile)
        .onCommand(Tick.class, this::onTick)
        .onCommand(OfferParked.class, (book, c) -> {
          offerParkedAtMillis = 0;
          offerParked();
          return Effect().none();
        })
        .onCommand(JobFiles.Archived.class, retention::onArchived)
        .onCommand(ReleaseRecoveredLeases.class,
            (book, c) -> leasing.release(book, c.recovered(), "the coordinator restarted"))
        .build();
  }

  private JobStatus status(Job job) {
    return job.status(waiting(job), c -> leases.framesDone(new Lease(job.id(), c.index(), c.attempts())));
  }

  /** Why a job's pending chunks are not running, as far as the scheduler can tell; null when they may run. */
  private String waiting(Job job) {
    if (!job.schedulable() || !job.hasPendingChunks()) {
      return null;
    }
    var blockage = queue.blockage(job, clock.millis(), leases::holds);
    if (blockage.isEmpty()) {
      return job.state() == Job.State.QUEUED ? "waiting for a free slot" : null;
    }
    String reasons = String.join("; ", blockage.get().reasons());
    return switch (blockage.get().cause()) {
      case NO_WORKERS -> "waiting for a worker: " + reasons;
      case TOO_SMALL -> "waiting for a device that fits: " + reasons;
      case BLOCKED -> "waiting for new workers: every current worker is blocked from this job or too small for it ("
          + reasons + ")";
    };
  }

  /** A worker lacks a file a job's pipeline reads: it is offered by digest, answered from the media pool. */
  private Effect<JobEvent, JobBook> onFetchModelFile(JobBook book, FetchModelFile c) {
    var file = modelFiles.find(book, c.sha256());
    if (file.isEmpty()) {
      return reply(c.replyTo(), new ModelFileRefused(c.sha256(), "no job on this coordinator reads a file with"
          + " SHA-256 " + c.sha256()));
    }
    context.getLog().info("Offering {} ({}) from byte {} to {}", file.get().getFileName(), c.sha256().substring(0, 12),
        c.offset(), c.node());
    files.offerModelFile(file.get(), c.sha256(), c.offset(), c.replyTo());
    return Effect().none();
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
        new ChunksPlanned(jobId, c.chunks(), 0, c.planning()));
    return Effect().persist(events).thenRun(b -> {
      context.getLog().info("Accepted {}: {} -> {} ({} chunks{}, pipeline {})", jobId, c.request().input(),
          c.request().output(), c.chunks().size(), c.planning() ? " so far, more as the input is read" : "",
          c.request().pipeline());
      if (c.planning()) {
        files.plan(b.job(jobId).orElseThrow());
      }
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

  /** Only a job whose assembly failed can be retried: its chunks are all stored, nothing is computed again. */
  private Effect<JobEvent, JobBook> onRetryJob(JobBook book, RetryJob c) {
    var job = book.job(c.jobId());
    if (job.isEmpty()) {
      return reply(c.replyTo(), new JobNotFound(c.jobId()));
    }
    if (!job.get().assemblyFailed()) {
      return reply(c.replyTo(), status(job.get()));
    }
    return Effect().persist(new AssemblyRetried(c.jobId(), now())).thenRun(b -> {
      Job again = b.job(c.jobId()).orElseThrow();
      files.assemble(again);
      c.replyTo().tell(status(again));
    });
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
      Job ended = b.job(c.jobId()).orElseThrow();
      context.getLog().info("{} finished: {}", c.jobId(), ended.state());
      if (!ended.assemblyFailed()) {
        files.forget(c.jobId()); // a failed assembly keeps the chunks: POST /api/v1/jobs/{id}/retry uses them
      }
    });
  }

  private Effect<JobEvent, JobBook> onTick(JobBook book, Tick c) {
    retention.archiveDue(book);
    return leasing.expire(book, settings.waitForNewWorkers() ? List.of() : stuck(book));
  }

  /** Jobs with pending chunks that every current worker is blocked from (or too small for), and why. */
  private List<JobFailed> stuck(JobBook book) {
    long now = now();
    return book.schedulable().stream().filter(Job::hasPendingChunks)
        .flatMap(job -> queue.blockage(job, now, leases::holds).stream()
            .filter(b -> b.cause() == WorkQueue.Blockage.Cause.BLOCKED)
            .map(b -> new JobFailed(job.id(), "no worker may take its chunks any more: every current worker is "
                + "blocked from it or too small for it (" + String.join("; ", b.reasons()) + "); set "
                + "framefarm.coordinator.wait-for-new-workers = on to wait for new workers instead", now)))
        .toList();
  }

  /** Offers the parked requests again at {@code atMillis}, or at the earlier time already set. */
  private void offerParkedAt(long atMillis) {
    if (offerParkedAtMillis != 0 && offerParkedAtMillis <= atMillis) {
      return;
    }
    offerParkedAtMillis = atMillis;
    timers.startSingleTimer(OfferParked.INSTANCE, Duration.ofMillis(Math.max(1, atMillis - now())));
  }

  /** Offers every parked request again, each as its own command: each lease is persisted by its own command. */
  private void offerParked() {
    if (!queue.hasParked()) {
      return;
    }
    // Idle slots first: a slot that asked ahead is still busy, and work it takes now waits for its current chunk.
    var parked = queue.drainParked();
    parked.stream().filter(r -> !r.handle().ahead()).forEach(r -> context.getSelf().tell(r.handle()));
    parked.stream().filter(r -> r.handle().ahead()).forEach(r -> context.getSelf().tell(r.handle()));
  }

  private long now() {
    return clock.millis();
  }

  /** A worker's full address, host and port included even for a slot on this node. */
  private String workerId(ActorRef<WorkerCommand> worker) {
    return ActorRefResolver.get(context.getSystem()).toSerializationFormat(worker);
  }
}

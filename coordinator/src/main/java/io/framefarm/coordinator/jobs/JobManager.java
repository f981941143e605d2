package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.Job.Chunk;
import io.framefarm.coordinator.jobs.Job.ChunkState;
import io.framefarm.coordinator.jobs.JobBook.Candidate;
import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.coordinator.transfer.ChunkTransfer;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.WorkerCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.util.ByteString;

/**
 * The farm's job manager, a cluster singleton on coordinator nodes. Event sourced: every decision
 * that must survive a restart (job accepted, chunks planned, chunk leased / completed / failed, job
 * finished) is journaled before it takes effect. Workers pull: a slot's {@link RequestWork} is
 * answered with a lease or parked until work appears.
 */
public final class JobManager extends EventSourcedBehavior<JobManagerCommand, JobEvent, JobBook> {

  /**
   * Limits of the scheduler, from {@code framefarm.coordinator}. A lease is renewed only by progress:
   * by frames done, or, before the first frame (segment transfer, model loads), for {@code startupGrace}.
   */
  public record Settings(Duration leaseTimeout, int maxAttempts, Duration startupGrace) {
    public Settings(Duration leaseTimeout, int maxAttempts) {
      this(leaseTimeout, maxAttempts, Duration.ofMinutes(3));
    }
  }

  /** A slot that asked within this long counts as available to take a retry. */
  private static final Duration WORKER_SEEN = Duration.ofSeconds(15);

  private enum Tick implements JobManagerCommand, NoSerializationVerificationNeeded { INSTANCE }

  private record SegmentReady(AssignChunk assignment, ActorRef<WorkerCommand> worker)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  private record LeaseFailed(String jobId, int chunk, int attempt, String reason)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  private record ResultStored(String jobId, int chunk, int attempt, int frames, ActorRef<WorkerCommand> worker)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  private record ResultRejected(String jobId, int chunk, int attempt, String reason, ActorRef<WorkerCommand> worker)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  private record Assembled(String jobId, int frames, String failure)
      implements JobManagerCommand, NoSerializationVerificationNeeded {}

  private record NodeLost(String address, String why) implements JobManagerCommand, NoSerializationVerificationNeeded {}

  private final ActorContext<JobManagerCommand> context;
  private final ChunkTransfer transfer;
  private final Settings settings;
  /** Slots that asked for work when there was none, in arrival order; answered as work appears. */
  private final Map<ActorRef<WorkerCommand>, RequestWork> waiting = new LinkedHashMap<>();
  /** When each slot last asked for work, to know whether another one could take a retry. */
  private final Map<String, Long> workersSeen = new java.util.HashMap<>();
  /** The largest budget a device asking for work has had: a job needing more waits, and says so. */
  private long largestBudgetSeen;

  public static Behavior<JobManagerCommand> create(ChunkTransfer transfer, Settings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofSeconds(1));
      subscribeToMembership(context);
      return new JobManager(context, transfer, settings);
    }));
  }

  private JobManager(ActorContext<JobManagerCommand> context, ChunkTransfer transfer, Settings settings) {
    super(PersistenceId.ofUniqueId("framefarm-job-manager"));
    this.context = context;
    this.transfer = transfer;
    this.settings = settings;
  }

  private static void subscribeToMembership(ActorContext<JobManagerCommand> context) {
    ActorRef<ClusterEvent.MemberRemoved> removed = context.messageAdapter(ClusterEvent.MemberRemoved.class,
        e -> new NodeLost(e.member().address().toString(), "node left the cluster"));
    ActorRef<ClusterEvent.UnreachableMember> unreachable = context.messageAdapter(
        ClusterEvent.UnreachableMember.class,
        e -> new NodeLost(e.member().address().toString(), "node became unreachable"));
    Cluster cluster = Cluster.get(context.getSystem());
    cluster.subscriptions().tell(Subscribe.create(removed, ClusterEvent.MemberRemoved.class));
    cluster.subscriptions().tell(Subscribe.create(unreachable, ClusterEvent.UnreachableMember.class));
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
  public SignalHandler<JobBook> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::onRecovered).build();
  }

  private void onRecovered(JobBook book) {
    book.releaseAllLeases();
    for (Job job : book.jobs()) {
      if (job.state == Job.State.ASSEMBLING) {
        startAssembly(job);
      } else if (!job.active()) {
        transfer.forget(job.id); // files of a job that ended just before a crash
      }
    }
    context.getLog().info("Job manager recovered {} jobs", book.jobs().size());
  }

  @Override
  public CommandHandler<JobManagerCommand, JobEvent, JobBook> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(SubmitJob.class, this::onSubmitJob)
        .onCommand(GetJob.class, (book, c) -> reply(c.replyTo(), book.job(c.jobId())
            .<JobReply>map(j -> j.status(largestBudgetSeen)).orElse(new JobNotFound(c.jobId()))))
        .onCommand(ListJobs.class, (book, c) -> reply(c.replyTo(), new JobList(book.jobs().stream()
            .map(j -> j.status(largestBudgetSeen)).toList())))
        .onCommand(CancelJob.class, this::onCancelJob)
        .onCommand(RequestWork.class, this::onRequestWork)
        .onCommand(SegmentReady.class, this::onSegmentReady)
        .onCommand(LeaseFailed.class, (book, c) -> failAttempt(book, c.jobId(), c.chunk(), c.attempt(), c.reason()))
        .onCommand(ChunkProgress.class, this::onChunkProgress)
        .onCommand(ChunkDone.class, this::onChunkDone)
        .onCommand(ResultStored.class, this::onResultStored)
        .onCommand(ResultRejected.class, this::onResultRejected)
        .onCommand(ChunkAttemptFailed.class, this::onChunkAttemptFailed)
        .onCommand(Assembled.class, this::onAssembled)
        .onCommand(NodeLost.class, this::onNodeLost)
        .onCommand(Tick.class, this::onTick)
        .build();
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
    long now = System.currentTimeMillis();
    List<JobEvent> events = List.of(new JobSubmitted(jobId, c.request(), c.video(), c.pipeline(), now),
        new ChunksPlanned(jobId, c.chunks()));
    return Effect().persist(events).thenRun(b -> {
      context.getLog().info("Accepted {}: {} -> {} ({} chunks, pipeline {})", jobId, c.request().input(),
          c.request().output(), c.chunks().size(), c.request().pipeline());
      c.replyTo().tell(new JobAccepted(jobId));
      serveWaiting(b);
    });
  }

  private Effect<JobEvent, JobBook> onCancelJob(JobBook book, CancelJob c) {
    var job = book.job(c.jobId());
    if (job.isEmpty()) {
      return reply(c.replyTo(), new JobNotFound(c.jobId()));
    }
    if (!job.get().active() || job.get().state == Job.State.ASSEMBLING) {
      return reply(c.replyTo(), job.get().status()); // finished, or too late: the output is being written
    }
    return Effect().persist(new JobCancelled(c.jobId(), System.currentTimeMillis())).thenRun(b -> {
      c.replyTo().tell(b.job(c.jobId()).orElseThrow().status());
      transfer.forget(c.jobId());
    });
  }

  private Effect<JobEvent, JobBook> onRequestWork(JobBook book, RequestWork c) {
    String worker = workerId(c.worker());
    long now = System.currentTimeMillis();
    workersSeen.put(worker, now);
    largestBudgetSeen = Math.max(largestBudgetSeen, c.snapshot().budgetBytes());
    workersSeen.values().removeIf(seen -> now - seen > WORKER_SEEN.toMillis() * 4);
    if (book.holdsLease(worker)) {
      // A repeated request that crossed its assignment in flight; the slot gets one chunk at a time.
      return Effect().none();
    }
    boolean othersAvailable = workersSeen.entrySet().stream()
        .anyMatch(e -> !e.getKey().equals(worker) && now - e.getValue() <= WORKER_SEEN.toMillis());
    var next = book.nextPending(DeviceFit.of(c.snapshot()), worker, othersAvailable);
    if (next.isEmpty()) {
      waiting.put(c.worker(), c);
      return Effect().none();
    }
    waiting.remove(c.worker());
    return lease(next.get(), c.worker());
  }

  private Effect<JobEvent, JobBook> lease(Candidate candidate, ActorRef<WorkerCommand> worker) {
    Job job = candidate.job();
    Chunk chunk = candidate.chunk();
    int attempt = chunk.attempts + 1;
    long now = System.currentTimeMillis();
    String workerPath = workerId(worker);
    // Cutting the segment (the first one of a job probes the whole input) gets the startup grace;
    // the lease timeout proper starts when the worker is told (onSegmentReady).
    var event = new ChunkLeased(job.id, chunk.index, attempt, workerPath,
        now + Math.max(settings.leaseTimeout().toMillis(), settings.startupGrace().toMillis()), now);
    return Effect().persist(event).thenRun(b -> prepareSegment(job, chunk, attempt, worker));
  }

  private void prepareSegment(Job job, Chunk chunk, int attempt, ActorRef<WorkerCommand> worker) {
    var range = chunk.range;
    context.pipeToSelf(transfer.offerSegment(job.id, job.request.input(), chunk.index, attempt, range),
        (SourceRef<ByteString> ref, Throwable error) -> error != null
            ? new LeaseFailed(job.id, chunk.index, attempt, "could not extract input packets: " + rootMessage(error))
            : new SegmentReady(new AssignChunk(job.id, chunk.index, attempt, job.pipeline.json(),
                job.request.encode(), job.video, range.firstPts(), range.endPts(), range.frames(), ref,
                settings.leaseTimeout().toMillis()), worker));
  }

  private Effect<JobEvent, JobBook> onSegmentReady(JobBook book, SegmentReady c) {
    AssignChunk a = c.assignment();
    Chunk chunk = currentLease(book, a.jobId(), a.chunk(), a.attempt());
    if (chunk == null) {
      forgetIfEnded(book, a.jobId());
      return Effect().none(); // the lease ended while the segment was cut; the worker asks again on its own
    }
    // The lease's clock starts when the worker can know of it, not while the coordinator cut its input.
    long now = System.currentTimeMillis();
    chunk.assignedAtMillis = now;
    chunk.deadlineMillis = now + settings.leaseTimeout().toMillis();
    c.worker().tell(a);
    return Effect().none();
  }

  private Effect<JobEvent, JobBook> onChunkProgress(JobBook book, ChunkProgress c) {
    Chunk chunk = currentLease(book, c.jobId(), c.chunk(), c.attempt());
    if (chunk == null) {
      return Effect().none();
    }
    // Only progress renews the lease (a hung decoder or model must not hold a chunk forever); before
    // the first frame, input transfer and model loads get a grace period. Not journaled: a restart
    // releases every lease anyway.
    long now = System.currentTimeMillis();
    boolean advanced = c.framesDone() > chunk.framesDone;
    boolean starting = c.framesDone() == 0 && now - chunk.assignedAtMillis < settings.startupGrace().toMillis();
    if (advanced || starting) {
      chunk.framesDone = c.framesDone();
      chunk.deadlineMillis = now + settings.leaseTimeout().toMillis();
    }
    return Effect().none();
  }

  private Effect<JobEvent, JobBook> onChunkDone(JobBook book, ChunkDone c) {
    Chunk chunk = currentLease(book, c.jobId(), c.chunk(), c.attempt());
    if (chunk == null) {
      return reply(c.worker(), new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), false,
          "stale result: the lease ended or moved to another attempt"));
    }
    chunk.storing = true; // however long the upload and the check take, this lease does not expire
    context.pipeToSelf(transfer.receiveResult(c.jobId(), c.chunk(), c.attempt(), c.result(), chunk.range.frames(),
            c.texts()),
        (Integer frames, Throwable error) -> error != null
            ? new ResultRejected(c.jobId(), c.chunk(), c.attempt(), "result rejected: " + rootMessage(error),
                c.worker())
            : new ResultStored(c.jobId(), c.chunk(), c.attempt(), frames, c.worker()));
    return Effect().none();
  }

  private Effect<JobEvent, JobBook> onResultStored(JobBook book, ResultStored c) {
    if (currentLease(book, c.jobId(), c.chunk(), c.attempt()) == null) {
      forgetIfEnded(book, c.jobId());
      return reply(c.worker(), new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), false,
          "stale result: the lease ended while the result was stored"));
    }
    return Effect().persist(new ChunkCompleted(c.jobId(), c.chunk(), c.attempt(), c.frames())).thenRun(b -> {
      c.worker().tell(new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), true, ""));
      Job job = b.job(c.jobId()).orElseThrow();
      if (job.state == Job.State.ASSEMBLING) {
        startAssembly(job);
      }
    });
  }

  private Effect<JobEvent, JobBook> onResultRejected(JobBook book, ResultRejected c) {
    c.worker().tell(new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), false, c.reason()));
    forgetIfEnded(book, c.jobId());
    return failAttempt(book, c.jobId(), c.chunk(), c.attempt(), c.reason());
  }

  private Effect<JobEvent, JobBook> onChunkAttemptFailed(JobBook book, ChunkAttemptFailed c) {
    c.worker().tell(new ChunkAcknowledged(c.jobId(), c.chunk(), c.attempt(), true, ""));
    return failAttempt(book, c.jobId(), c.chunk(), c.attempt(), c.reason());
  }

  /** A report that an attempt failed, if it is still the chunk's live lease. */
  private Effect<JobEvent, JobBook> failAttempt(JobBook book, String jobId, int chunkIndex, int attempt,
      String reason) {
    Chunk chunk = currentLease(book, jobId, chunkIndex, attempt);
    if (chunk == null) {
      return Effect().none();
    }
    return failAll(List.of(new Candidate(book.job(jobId).orElseThrow(), chunk)), reason);
  }

  private void startAssembly(Job job) {
    context.getLog().info("Assembling {} from {} chunks into {}", job.id, job.chunks.size(), job.request.output());
    context.pipeToSelf(transfer.assemble(job.id, job.request.input(), job.request.output(), job.chunks.size(),
            job.pipeline),
        (result, error) -> error != null ? new Assembled(job.id, 0, rootMessage(error))
            : new Assembled(job.id, result.videoFrames(), null));
  }

  private Effect<JobEvent, JobBook> onAssembled(JobBook book, Assembled c) {
    Job job = book.job(c.jobId()).orElseThrow();
    if (job.state != Job.State.ASSEMBLING) {
      return Effect().none();
    }
    long now = System.currentTimeMillis();
    String failure = c.failure();
    if (failure == null && c.frames() != job.totalFrames()) {
      failure = "assembled output has " + c.frames() + " frames, expected " + job.totalFrames();
    }
    JobEvent event = failure == null ? new JobCompleted(c.jobId(), c.frames(), now)
        : new JobFailed(c.jobId(), "assembly failed: " + failure, now);
    return Effect().persist(event).thenRun(b -> {
      context.getLog().info("{} finished: {}", c.jobId(), b.job(c.jobId()).orElseThrow().state);
      transfer.forget(c.jobId());
    });
  }

  private Effect<JobEvent, JobBook> onNodeLost(JobBook book, NodeLost c) {
    waiting.keySet().removeIf(w -> workerId(w).startsWith(c.address() + "/"));
    List<Candidate> lost = book.leasesOn(c.address() + "/");
    return failAll(lost, "worker " + c.address() + " lost: " + c.why());
  }

  private Effect<JobEvent, JobBook> onTick(JobBook book, Tick c) {
    List<Candidate> expired = book.expiredLeases(System.currentTimeMillis());
    return failAll(expired, "lease expired after " + settings.leaseTimeout().toSeconds() + " s without progress");
  }

  /** Each lease's attempt failed: its chunk goes back to pending, or its job fails once attempts run out. */
  private Effect<JobEvent, JobBook> failAll(List<Candidate> leases, String reason) {
    if (leases.isEmpty()) {
      return Effect().none();
    }
    List<JobEvent> events = new ArrayList<>();
    Set<String> failedJobs = new HashSet<>();
    for (Candidate l : leases) {
      context.getLog().warn("{} chunk {} attempt {} failed: {}", l.job().id, l.chunk().index, l.chunk().attempts,
          reason);
      events.add(new ChunkFailed(l.job().id, l.chunk().index, l.chunk().attempts, reason));
      int failures = l.chunk().failures.size() + 1;
      if (failures >= settings.maxAttempts() && failedJobs.add(l.job().id)) {
        events.add(new JobFailed(l.job().id, "chunk " + l.chunk().index + " failed " + failures
            + " times; last: " + reason, System.currentTimeMillis()));
      }
    }
    return Effect().persist(events).thenRun(b -> {
      failedJobs.forEach(transfer::forget);
      serveWaiting(b);
    });
  }

  /** Hands pending chunks to parked slots, one lease each. */
  private void serveWaiting(JobBook book) {
    if (waiting.isEmpty() || book.nextPending().isEmpty()) {
      return;
    }
    // Re-deliver the parked requests to ourselves: each lease must be persisted by its own command.
    List<RequestWork> parked = new ArrayList<>(waiting.values());
    waiting.clear();
    parked.forEach(r -> context.getSelf().tell(r));
  }

  /** A late result of a job that already ended may have recreated its files. */
  private void forgetIfEnded(JobBook book, String jobId) {
    if (book.job(jobId).map(j -> !j.active()).orElse(false)) {
      transfer.forget(jobId);
    }
  }

  /** The chunk if {@code attempt} is its live lease on an active job, else null (a stale report). */
  private static Chunk currentLease(JobBook book, String jobId, int chunkIndex, int attempt) {
    return book.job(jobId).filter(Job::active)
        .filter(j -> chunkIndex >= 0 && chunkIndex < j.chunks.size())
        .map(j -> j.chunks.get(chunkIndex))
        .filter(c -> c.state == ChunkState.LEASED && c.attempts == attempt)
        .orElse(null);
  }

  /** A worker's full address, host and port included even for a slot on this node. */
  private String workerId(ActorRef<WorkerCommand> worker) {
    return ActorRefResolver.get(context.getSystem()).toSerializationFormat(worker);
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}

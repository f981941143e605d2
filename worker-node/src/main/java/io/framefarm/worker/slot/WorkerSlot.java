package io.framefarm.worker.slot;

import io.framefarm.protocol.DrainProtocol.ChunkHandedBack;
import io.framefarm.protocol.DrainProtocol.WorkerDraining;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.JobManagerProxy;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.WorkerCommand;
import io.framefarm.worker.memory.LeaseSites;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.MemoryStats;
import io.framefarm.worker.models.PipelineFiles;
import io.framefarm.worker.onnx.OnnxModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent.MemberRemoved;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One processing slot of a worker node, one behavior per state:
 * <ul>
 *   <li>{@link #idle}: asks the job manager for work (and again periodically, in case the request or
 *       the singleton was lost);
 *   <li>{@link #receiving}: pulls the chunk's input packets and gets the pipeline's files into the node's model
 *       cache (fetched from the coordinator by digest where missing);
 *   <li>{@link #processing}: decodes, runs the pipeline and encodes on the node's chunk pool;
 *   <li>{@link #awaitingAck}: has offered the result (or reported the failure) and waits for the job
 *       manager's acknowledgement before it frees its files and goes idle.
 * </ul>
 * Progress is reported every second from taking a chunk to its acknowledgement.
 *
 * <p>Lease ahead ({@link SlotTiming#leaseAhead}): as it starts processing a chunk, the slot asks for its next one;
 * that chunk's input and files are received while the current one runs, and it is processed as soon as the current
 * one is acknowledged, so the device does not wait for a lease, a cut and a transfer between chunks. Its progress is
 * reported as no frames until then (which the job manager's lease clock accepts while the slot holds another). A
 * slot holds at most one chunk ahead; it hands that one back, untouched, when it drains, restarts or loses its
 * memory manager, and reports it failed if its input or files cannot be received.
 *
 * <p>Failures: when its device's memory manager restarts, the chunk being processed loses its memory
 * and fails at once (reported as a failed attempt). A slot that fails itself returns its chunk in hand
 * as a failed attempt and restarts idle. When the memory manager stops for good, the slot returns its
 * chunk and stops: nothing can run on that device any more. A result that arrives for a chunk the slot
 * gave up only has its files deleted.
 *
 * <p>Draining ({@link Drain}): an idle slot stops asking at once; a busy one finishes its chunk first, then
 * stops asking; on {@link HandBack} (the node's drain timeout) it gives its chunk back unfinished, unless the
 * result is already offered (then it waits for the acknowledgement). A chunk that reaches a drained slot is
 * given back too; chunks given back are not failed attempts.
 */
public final class WorkerSlot {

  /**
   * Where this slot works, how patient it is, its device's memory manager and where that device's leases
   * are recorded from. Chunks are processed on {@code chunkPool}, which must have a thread for every slot
   * that shares it (see {@link ChunkPool}). {@code simulatedFrameTime} is null on a real device; on a simulated
   * one, how long each frame holds the slot (see {@link SimulatedChunk}).
   */
  public record Settings(String slotId, Path workDir, SlotTiming timing, ActorRef<MemoryManager.Command> memory,
      LeaseSites leaseSites, OnnxModelLoader loader, Executor chunkPool, PipelineFiles files,
      java.time.Duration simulatedFrameTime) {
    /** A real device's slot. */
    public Settings(String slotId, Path workDir, SlotTiming timing, ActorRef<MemoryManager.Command> memory,
        LeaseSites leaseSites, OnnxModelLoader loader, Executor chunkPool, PipelineFiles files) {
      this(slotId, workDir, timing, memory, leaseSites, loader, chunkPool, files, null);
    }
  }

  private enum RequestAgain implements WorkerCommand, NoSerializationVerificationNeeded { INSTANCE }

  private record StatsForRequest(MemoryStats stats) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record StatsForAhead(MemoryStats stats) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private enum ProgressTick implements WorkerCommand, NoSerializationVerificationNeeded { INSTANCE }

  /** The chunk's input packets are on disk and its pipeline's files in the node's model cache (pinned). */
  private record SegmentReceived(AssignChunk assignment, PipelineFiles.Local pipeline)
      implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record Processed(AssignChunk assignment, int frames, SourceRef<ByteString> result,
      List<RecognizedText> texts)
      implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record Failed(AssignChunk assignment, String reason)
      implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record AckTimedOut(AssignChunk assignment) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record MemberLeft(MemberRemoved removed) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record MemoryRestarted(MemoryManager.Restarted restarted)
      implements WorkerCommand, NoSerializationVerificationNeeded {}

  /** Stop asking for work; answered once the slot holds no chunk (finished, or given back on {@link HandBack}). */
  public record Drain(ActorRef<Drained> replyTo) implements WorkerCommand, NoSerializationVerificationNeeded {}

  /** The drain timeout passed: give back the chunk in hand now. */
  public enum HandBack implements WorkerCommand, NoSerializationVerificationNeeded { INSTANCE }

  /** How a drained slot ended: it was idle, finished its chunk, or gave it back unfinished. */
  public enum Outcome { IDLE, FINISHED, HANDED_BACK }

  public record Drained(String slotId, Outcome outcome) implements NoSerializationVerificationNeeded {}

  /** For tests: fails the slot as a bug in it would. Package-private, out of the product's way. */
  record Crash(String reason) implements WorkerCommand, NoSerializationVerificationNeeded {}

  /**
   * One line per assignment at debug: the time from the slot's first request for work (since it went idle) to its
   * assignment, cutting the segment included; and one per acknowledged result. For benchmarks (bench scaleout).
   */
  private static final Logger assignments = LoggerFactory.getLogger(WorkerSlot.class.getName() + ".assignments");

  private final ActorContext<WorkerCommand> context;
  private final TimerScheduler<WorkerCommand> timers;
  private final ActorRef<JobManagerCommand> jobManager;
  private final Settings settings;
  private final Materializer materializer;
  /**
   * Pekko's blocking-IO dispatcher: for a chunk's receiving and its files' deletion. Never the chunk pool, whose one
   * thread per slot is busy for the whole of the chunk in hand: the chunk ahead's input would wait behind it.
   */
  private final Executor io;
  private final String node;
  /** When the slot sent its first request for work since it went idle (System.nanoTime), 0 before that. */
  private long requestedAt;
  /** Who asked this slot to drain; null while it is not draining. */
  private ActorRef<Drained> drainRequester;
  /** The chunk leased ahead of the one in hand, or null; its pipeline's files once received, else null. */
  private AssignChunk ahead;
  private PipelineFiles.Local aheadFiles;
  /** When the slot last asked for a chunk ahead (System.nanoTime). */
  private long aheadRequestedAt;

  public static Behavior<WorkerCommand> create(ActorRef<JobManagerCommand> jobManager, Settings settings) {
    Behavior<WorkerCommand> slot = Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new WorkerSlot(context, timers, jobManager, settings).start()));
    return Behaviors.supervise(slot).onFailure(Exception.class, SupervisorStrategy.restart());
  }

  private WorkerSlot(ActorContext<WorkerCommand> context, TimerScheduler<WorkerCommand> timers,
      ActorRef<JobManagerCommand> jobManager, Settings settings) {
    this.context = context;
    this.timers = timers;
    this.jobManager = jobManager;
    this.settings = settings;
    this.materializer = Materializer.matFromSystem(context.getSystem());
    this.io = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    this.node = Cluster.get(context.getSystem()).selfMember().address().toString();
  }

  private Behavior<WorkerCommand> start() {
    settings.memory().tell(new MemoryManager.WatchRestarts(
        context.messageAdapter(MemoryManager.Restarted.class, MemoryRestarted::new)));
    context.watch(settings.memory());
    Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
        context.messageAdapter(MemberRemoved.class, MemberLeft::new), MemberRemoved.class));
    return idle();
  }

  // ---- idle ----

  private Behavior<WorkerCommand> idle() {
    timers.cancel(ProgressTick.INSTANCE);
    requestedAt = 0;
    requestWithSnapshot();
    timers.startTimerWithFixedDelay(RequestAgain.INSTANCE, settings.timing().requestInterval());
    return withStrays(Behaviors.receive(WorkerCommand.class)
        .onMessageEquals(RequestAgain.INSTANCE, this::onRequestAgain)
        .onMessage(StatsForRequest.class, this::onStatsForRequest)
        .onMessage(AssignChunk.class, this::onAssignChunk)
        .onMessage(Drain.class, this::onDrainWhenIdle)
        .onSignal(Terminated.class, signal -> onMemoryStopped(null))
        .onSignal(PreRestart.class, signal -> Behaviors.same()));
  }

  private Behavior<WorkerCommand> onRequestAgain() {
    requestWithSnapshot();
    return Behaviors.same();
  }

  /** Work requests carry the device's memory so that the scheduler can match chunks to it. */
  private void requestWithSnapshot() {
    context.ask(MemoryStats.class, settings.memory(), settings.timing().statsAskTimeout(), MemoryManager.GetStats::new,
        (stats, error) -> new StatsForRequest(stats));
  }

  private Behavior<WorkerCommand> onStatsForRequest(StatsForRequest m) {
    jobManager.tell(new RequestWork(context.getSelf(), node, settings.slotId(), snapshot(m.stats())));
    if (requestedAt == 0) {
      requestedAt = System.nanoTime();
    }
    return Behaviors.same();
  }

  private DeviceSnapshot snapshot(MemoryStats s) {
    return s == null ? DeviceSnapshot.unknown(settings.slotId())
        : new DeviceSnapshot(s.deviceId(), s.budgetBytes(), s.freeBytes(),
            s.models().stream().map(MemoryStats.ResidentModel::modelId).toList());
  }

  private Behavior<WorkerCommand> onAssignChunk(AssignChunk a) {
    logAssignment(a, requestedAt, "");
    timers.cancel(RequestAgain.INSTANCE);
    timers.startTimerWithFixedDelay(ProgressTick.INSTANCE, settings.timing().progressInterval());
    context.getLog().debug("Slot {} took {} chunk {} attempt {}", settings.slotId(), a.jobId(), a.chunk(), a.attempt());
    startReceiving(a);
    return receiving(a);
  }

  private void logAssignment(AssignChunk a, long requestedAtNanos, String how) {
    if (requestedAtNanos != 0 && assignments.isDebugEnabled()) {
      assignments.debug("assigned {} {} chunk {} ({} frames) {} us after its request{}", settings.slotId(), a.jobId(),
          a.chunk(), a.expectedFrames(), (System.nanoTime() - requestedAtNanos) / 1000, how);
    }
  }

  // ---- receiving ----

  /** Pulls the chunk's input and its pipeline's files ({@link ChunkInput}); the outcome comes as a message. */
  private void startReceiving(AssignChunk a) {
    context.pipeToSelf(ChunkInput.receive(a, workDir(a), io, settings.files(), materializer),
        (local, error) -> error == null ? new SegmentReceived(a, local) : new Failed(a, rootMessage(error)));
  }

  /** Waits for {@link #startReceiving} to end. */
  private Behavior<WorkerCommand> receiving(AssignChunk a) {
    return withStrays(busy(a, () -> 0) // no frames yet
        .onMessage(SegmentReceived.class, m -> m.assignment() == a, m -> processing(a, m.pipeline()))
        .onMessage(Failed.class, m -> m.assignment() == a, this::onFailed)
        .onMessageEquals(HandBack.INSTANCE, () -> handBack(a, null))
        .onSignal(Terminated.class, signal -> onMemoryStopped(a))
        .onSignal(PreRestart.class, signal -> giveBack(a, null, restartReason())));
  }

  // ---- processing ----

  private Behavior<WorkerCommand> processing(AssignChunk a, PipelineFiles.Local pipeline) {
    askAhead();
    if (settings.simulatedFrameTime() != null) {
      return simulating(a, pipeline);
    }
    Path dir = workDir(a);
    String owner = a.jobId() + "/" + a.chunk() + "/a" + a.attempt();
    ChunkMemory chunkMemory = new ChunkMemory(settings.memory(), settings.leaseSites(), context.getSystem().scheduler(),
        owner, settings.timing().memoryAskTimeout());
    AtomicInteger framesDone = new AtomicInteger();
    CompletableFuture<Processed> done = CompletableFuture.supplyAsync(() -> {
      ChunkProcessor.Result processed;
      try (chunkMemory; pipeline) {
        processed = ChunkProcessor.process(a, pipeline.spec(), dir.resolve(ChunkInput.SEGMENT),
            dir.resolve("result.nut"), framesDone, chunkMemory, settings.loader());
      }
      SourceRef<ByteString> ref = FileIO.fromPath(dir.resolve("result.nut"), 64 * 1024)
          .runWith(StreamRefs.<ByteString>sourceRef(), materializer);
      return new Processed(a, processed.frames(), ref, processed.texts());
    }, settings.chunkPool());
    context.pipeToSelf(done, (processed, error) -> error == null ? processed : new Failed(a, rootMessage(error)));
    return withStrays(busy(a, framesDone::get)
        .onMessage(Processed.class, m -> m.assignment() == a, this::onProcessed)
        .onMessage(Failed.class, m -> m.assignment() == a, this::onFailed)
        .onMessage(MemoryRestarted.class, m -> onMemoryRestarted(m, chunkMemory))
        .onMessageEquals(HandBack.INSTANCE, () -> handBack(a, chunkMemory))
        .onSignal(Terminated.class, signal -> onMemoryStopped(a, chunkMemory))
        .onSignal(PreRestart.class, signal -> giveBack(a, chunkMemory, restartReason())));
  }

  /**
   * A simulated device: the result (the input frames) is written on the chunk pool, and the chunk is done once its
   * frames have held the device for frames x frame time, counted from now, by a scheduled completion: no CPU and
   * no thread is spent waiting.
   */
  private Behavior<WorkerCommand> simulating(AssignChunk a, PipelineFiles.Local pipeline) {
    Path dir = workDir(a);
    long frameNanos = settings.simulatedFrameTime().toNanos();
    long from = System.nanoTime();
    long until = from + frameNanos * a.expectedFrames();
    // Frames "done" as time passes, so that progress renews the lease as a real device's would.
    IntSupplier framesDone = () -> frameNanos == 0 ? a.expectedFrames()
        : (int) Math.min(a.expectedFrames(), (System.nanoTime() - from) / frameNanos);
    CompletableFuture<Processed> done = CompletableFuture.supplyAsync(() -> {
      try (pipeline) {
        return SimulatedChunk.produce(a, dir.resolve(ChunkInput.SEGMENT), dir.resolve("result.nut"));
      }
    }, settings.chunkPool()).thenCompose(frames -> {
      long left = until - System.nanoTime();
      Executor after = left > 0 ? CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS, settings.chunkPool())
          : settings.chunkPool();
      return CompletableFuture.supplyAsync(() -> {
        SourceRef<ByteString> ref = FileIO.fromPath(dir.resolve("result.nut"), 64 * 1024)
            .runWith(StreamRefs.<ByteString>sourceRef(), materializer);
        return new Processed(a, frames, ref, List.of());
      }, after);
    });
    context.pipeToSelf(done, (processed, error) -> error == null ? processed : new Failed(a, rootMessage(error)));
    return withStrays(busy(a, framesDone)
        .onMessage(Processed.class, m -> m.assignment() == a, this::onProcessed)
        .onMessage(Failed.class, m -> m.assignment() == a, this::onFailed)
        .onMessageEquals(HandBack.INSTANCE, () -> handBack(a, null))
        .onSignal(Terminated.class, signal -> onMemoryStopped(a, null))
        .onSignal(PreRestart.class, signal -> giveBack(a, null, restartReason())));
  }

  private Behavior<WorkerCommand> onMemoryRestarted(MemoryRestarted m, ChunkMemory chunkMemory) {
    MemoryManager.Restarted r = m.restarted();
    // The chunk's thread fails on its next frame or pending ask, and that arrives here as Failed.
    chunkMemory.revoke("memory manager for " + r.deviceId() + " on " + node + " restarted (restart " + r.restarts()
        + ") and reclaimed what the chunk held");
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onProcessed(Processed m) {
    AssignChunk a = m.assignment();
    jobManager.tell(new ChunkProgress(a.jobId(), a.chunk(), a.attempt(), m.frames()));
    jobManager.tell(new ChunkDone(a.jobId(), a.chunk(), a.attempt(), m.frames(), m.result(), context.getSelf(),
        m.texts()));
    return awaitingAck(a, m.frames());
  }

  private Behavior<WorkerCommand> onFailed(Failed m) {
    AssignChunk a = m.assignment();
    context.getLog().warn("Slot {} failed {} chunk {}: {}", settings.slotId(), a.jobId(), a.chunk(), m.reason());
    jobManager.tell(new ChunkAttemptFailed(a.jobId(), a.chunk(), a.attempt(), m.reason(), context.getSelf()));
    return awaitingAck(a, 0);
  }

  // ---- awaiting the acknowledgement ----

  private Behavior<WorkerCommand> awaitingAck(AssignChunk a, int frames) {
    timers.startSingleTimer(AckTimedOut.class, new AckTimedOut(a), settings.timing().ackTimeout());
    Optional<Address> jobManagerHost = jobManagerHost();
    return withStrays(busy(a, () -> frames)
        .onMessage(ChunkAcknowledged.class, ack -> isFor(ack, a), ack -> onChunkAcknowledged(a, ack, frames))
        .onMessage(AckTimedOut.class, m -> m.assignment() == a, m -> onAckTimedOut(a))
        .onMessage(MemberLeft.class, m -> jobManagerHost.equals(Optional.of(m.removed().member().address())),
            m -> onJobManagerHostLeft(a, m))
        // The result is complete and on its way: wait for its acknowledgement (the node's shutdown phase bounds
        // the wait), as leaving now would break the transfer and fail the attempt.
        .onMessageEquals(HandBack.INSTANCE, Behaviors::same)
        .onSignal(Terminated.class, signal -> onMemoryStopped(null))
        .onSignal(PreRestart.class, signal -> { // reported already; the files go at the next start
          handBackAhead(restartReason());
          return Behaviors.same();
        }));
  }

  private Behavior<WorkerCommand> onChunkAcknowledged(AssignChunk a, ChunkAcknowledged ack, int frames) {
    if (!ack.accepted()) {
      context.getLog().info("Job manager refused {} chunk {}: {}", ack.jobId(), ack.chunk(), ack.reason());
    } else {
      assignments.debug("acknowledged {} {} chunk {} ({} frames)", settings.slotId(), a.jobId(), a.chunk(), frames);
    }
    return finish(a);
  }

  private Behavior<WorkerCommand> onAckTimedOut(AssignChunk a) {
    context.getLog().warn("No acknowledgement for {} chunk {} within {}; moving on", a.jobId(), a.chunk(),
        settings.timing().ackTimeout());
    return finish(a);
  }

  /**
   * The node that hosted the job manager when the report went out left the cluster (a coordinator taking over
   * from a killed one): that report may have died with it, and the successor, recovering from the journal,
   * puts chunks it never saw done back in the queue. Waiting out the whole ack-timeout would only idle the slot.
   */
  private Behavior<WorkerCommand> onJobManagerHostLeft(AssignChunk a, MemberLeft m) {
    context.getLog().warn("The job manager's node {} left before acknowledging {} chunk {}; moving on",
        m.removed().member().address(), a.jobId(), a.chunk());
    return finish(a);
  }

  /** The job manager singleton runs on the oldest coordinator. */
  private Optional<Address> jobManagerHost() {
    List<Member> coordinators = new ArrayList<>();
    Cluster.get(context.getSystem()).state().getMembers().forEach(member -> {
      if (member.hasRole(JobManagerProxy.ROLE) && member.status() == MemberStatus.up()) {
        coordinators.add(member);
      }
    });
    return coordinators.stream().min(Member.ageOrdering()).map(Member::address);
  }

  private Behavior<WorkerCommand> finish(AssignChunk a) {
    timers.cancel(AckTimedOut.class);
    deleteLater(workDir(a));
    if (drainRequester != null) {
      return drained(Outcome.FINISHED);
    }
    if (ahead == null) {
      return idle();
    }
    AssignChunk next = ahead;
    PipelineFiles.Local files = aheadFiles;
    ahead = null;
    aheadFiles = null;
    context.getLog().debug("Slot {} takes up {} chunk {} attempt {}, leased ahead ({})", settings.slotId(),
        next.jobId(), next.chunk(), next.attempt(), files == null ? "still receiving" : "received");
    return files == null ? receiving(next) : processing(next, files);
  }

  // ---- the chunk ahead ----

  /** Asks for the chunk after this one, once per chunk (see the class comment). */
  private void askAhead() {
    if (settings.timing().leaseAhead() && ahead == null && drainRequester == null) {
      context.ask(MemoryStats.class, settings.memory(), settings.timing().statsAskTimeout(),
          MemoryManager.GetStats::new, (stats, error) -> new StatsForAhead(stats));
    }
  }

  private Behavior<WorkerCommand> onStatsForAhead(StatsForAhead m) {
    if (ahead == null && drainRequester == null) {
      jobManager.tell(new RequestWork(context.getSelf(), node, settings.slotId(), snapshot(m.stats()), true));
      aheadRequestedAt = System.nanoTime();
    }
    return Behaviors.same();
  }

  /**
   * A chunk while this one is in hand: the one asked for ahead, received from now on. A second one ahead is refused
   * as before lease ahead (the job manager leases one ahead at most), and so is any with lease ahead off.
   */
  private Behavior<WorkerCommand> onAssignWhileBusy(AssignChunk current, AssignChunk other) {
    if (drainRequester != null) {
      return onAssignWhileDrained(other);
    }
    if (!settings.timing().leaseAhead() || ahead != null) {
      return onBusy(current, other);
    }
    logAssignment(other, aheadRequestedAt, " (ahead)");
    context.getLog().debug("Slot {} took {} chunk {} attempt {} ahead of {} chunk {}", settings.slotId(),
        other.jobId(), other.chunk(), other.attempt(), current.jobId(), current.chunk());
    ahead = other;
    startReceiving(other);
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onAheadReceived(SegmentReceived m) {
    aheadFiles = m.pipeline();
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onAheadFailed(Failed m) {
    AssignChunk a = m.assignment();
    context.getLog().warn("Slot {} failed {} chunk {} (leased ahead): {}", settings.slotId(), a.jobId(), a.chunk(),
        m.reason());
    jobManager.tell(new ChunkAttemptFailed(a.jobId(), a.chunk(), a.attempt(), m.reason(), context.getSelf()));
    deleteLater(workDir(a));
    ahead = null;
    return Behaviors.same();
  }

  /** Gives the chunk ahead back untouched (not a failed attempt): this slot will not run it. */
  private void handBackAhead(String reason) {
    if (ahead == null) {
      return;
    }
    context.getLog().info("Slot {} hands back {} chunk {} (leased ahead): {}", settings.slotId(), ahead.jobId(),
        ahead.chunk(), reason);
    jobManager.tell(new ChunkHandedBack(ahead.jobId(), ahead.chunk(), ahead.attempt(), reason, context.getSelf()));
    if (aheadFiles != null) {
      aheadFiles.close();
    }
    deleteLater(workDir(ahead)); // a transfer still running ends as a stray, whose files go then too
    ahead = null;
    aheadFiles = null;
  }

  // ---- drained ----

  /** Asks for nothing more; tells the job manager so, and whoever asked for the drain how the slot ended. */
  private Behavior<WorkerCommand> drained(Outcome outcome) {
    handBackAhead("slot " + settings.slotId() + " on " + node + " is draining");
    timers.cancel(RequestAgain.INSTANCE);
    timers.cancel(ProgressTick.INSTANCE);
    timers.cancel(AckTimedOut.class);
    jobManager.tell(new WorkerDraining(context.getSelf()));
    if (drainRequester != null) {
      drainRequester.tell(new Drained(settings.slotId(), outcome));
    }
    return withStrays(Behaviors.receive(WorkerCommand.class)
        .onMessage(AssignChunk.class, this::onAssignWhileDrained)
        .onMessage(Drain.class, this::onDrainWhenDrained)
        .onSignal(Terminated.class, signal -> onMemoryStopped(null))
        .onSignal(PreRestart.class, signal -> Behaviors.same()));
  }

  private Behavior<WorkerCommand> onDrainWhenIdle(Drain m) {
    drainRequester = m.replyTo();
    return drained(Outcome.IDLE);
  }

  /** Answered when the chunk in hand is done, or given back; a chunk ahead goes back at once, to another slot. */
  private Behavior<WorkerCommand> onDrainWhileBusy(Drain m) {
    drainRequester = m.replyTo();
    handBackAhead("slot " + settings.slotId() + " on " + node + " is draining");
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onDrainWhenDrained(Drain m) {
    m.replyTo().tell(new Drained(settings.slotId(), Outcome.IDLE));
    return Behaviors.same();
  }

  /** A chunk leased to this slot before the job manager heard that it drains: back it goes, untouched. */
  private Behavior<WorkerCommand> onAssignWhileDrained(AssignChunk a) {
    jobManager.tell(new ChunkHandedBack(a.jobId(), a.chunk(), a.attempt(), "slot " + settings.slotId() + " on "
        + node + " is draining", context.getSelf()));
    return Behaviors.same();
  }

  /** The drain timeout passed with the chunk unfinished: stop it and give it back. */
  private Behavior<WorkerCommand> handBack(AssignChunk a, ChunkMemory chunkMemory) {
    String reason = "slot " + settings.slotId() + " on " + node + " drained before the chunk was done";
    if (chunkMemory != null) {
      chunkMemory.revoke(reason); // the chunk's thread fails on its next frame; its files go as it ends
    }
    context.getLog().info("Slot {} hands back {} chunk {}: the drain timeout passed", settings.slotId(), a.jobId(),
        a.chunk());
    jobManager.tell(new ChunkHandedBack(a.jobId(), a.chunk(), a.attempt(), reason, context.getSelf()));
    return drained(Outcome.HANDED_BACK);
  }

  // ---- shared by the states ----

  /** What every state with a chunk in hand does: report its progress, and take one chunk ahead but no more. */
  private BehaviorBuilder<WorkerCommand> busy(AssignChunk a, IntSupplier framesDone) {
    return Behaviors.receive(WorkerCommand.class)
        .onMessageEquals(ProgressTick.INSTANCE, () -> onProgressTick(a, framesDone))
        .onMessage(AssignChunk.class, other -> onAssignWhileBusy(a, other))
        .onMessage(StatsForAhead.class, this::onStatsForAhead)
        .onMessage(SegmentReceived.class, m -> ahead != null && m.assignment() == ahead, this::onAheadReceived)
        .onMessage(Failed.class, m -> ahead != null && m.assignment() == ahead, this::onAheadFailed)
        .onMessage(Drain.class, this::onDrainWhileBusy);
  }

  private Behavior<WorkerCommand> onProgressTick(AssignChunk a, IntSupplier framesDone) {
    jobManager.tell(new ChunkProgress(a.jobId(), a.chunk(), a.attempt(), framesDone.getAsInt()));
    if (ahead != null) {
      jobManager.tell(new ChunkProgress(ahead.jobId(), ahead.chunk(), ahead.attempt(), 0)); // waiting its turn
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onBusy(AssignChunk current, AssignChunk other) {
    jobManager.tell(new ChunkAttemptFailed(other.jobId(), other.chunk(), other.attempt(), "slot " + settings.slotId()
        + " on " + node + " is busy with " + current.jobId() + " chunk " + current.chunk(), context.getSelf()));
    return Behaviors.same();
  }

  /**
   * Last in every state: the injected failure, results of chunks this slot gave up (their files are
   * deleted), and anything else meant for another state, such as a late timer or acknowledgement.
   */
  private Behavior<WorkerCommand> withStrays(BehaviorBuilder<WorkerCommand> state) {
    return state
        .onMessage(Crash.class, this::onCrash)
        .onMessage(SegmentReceived.class, m -> {
          m.pipeline().close();
          return forgotten(m.assignment());
        })
        .onMessage(Processed.class, m -> forgotten(m.assignment()))
        .onMessage(Failed.class, m -> forgotten(m.assignment()))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<WorkerCommand> onCrash(Crash m) {
    throw new IllegalStateException("injected failure: " + m.reason());
  }

  private Behavior<WorkerCommand> forgotten(AssignChunk a) {
    deleteLater(workDir(a));
    return Behaviors.same();
  }

  /** Returns the chunk in hand as a failed attempt and stops its processing, if it has started. */
  private Behavior<WorkerCommand> giveBack(AssignChunk a, ChunkMemory chunkMemory, String reason) {
    if (chunkMemory != null) {
      chunkMemory.revoke(reason);
    }
    jobManager.tell(new ChunkAttemptFailed(a.jobId(), a.chunk(), a.attempt(), reason, context.getSelf()));
    handBackAhead(reason);
    return Behaviors.same();
  }

  private String restartReason() {
    return "slot " + settings.slotId() + " on " + node + " failed and restarted";
  }

  private Behavior<WorkerCommand> onMemoryStopped(AssignChunk a) {
    return onMemoryStopped(a, null);
  }

  // The manager exceeded its restarts: nothing can run on this device any more.
  private Behavior<WorkerCommand> onMemoryStopped(AssignChunk a, ChunkMemory chunkMemory) {
    if (CoordinatedShutdown.get(Adapter.toClassic(context.getSystem())).getShutdownReason().isPresent()) {
      // The node is stopping and its actors with it, in no particular order: nothing to report.
      context.getLog().debug("Slot {} on {} stops with its node", settings.slotId(), node);
    } else {
      context.getLog().error("Slot {} on {} stops: its memory manager stopped", settings.slotId(), node);
    }
    String reason = "the memory manager of slot " + settings.slotId() + " on " + node + " stopped";
    if (a != null) {
      giveBack(a, chunkMemory, reason);
    }
    handBackAhead(reason);
    return Behaviors.stopped();
  }

  private static boolean isFor(ChunkAcknowledged ack, AssignChunk a) {
    return a.jobId().equals(ack.jobId()) && a.chunk() == ack.chunk() && a.attempt() == ack.attempt();
  }

  private Path workDir(AssignChunk a) {
    return settings.workDir().resolve(a.jobId() + "-" + a.chunk() + "-a" + a.attempt());
  }

  private void deleteLater(Path dir) {
    CompletableFuture.runAsync(() -> deleteRecursively(dir), io);
  }

  private static void deleteRecursively(Path dir) {
    try {
      Scratch.delete(dir);
    } catch (IOException e) {
      // Leftover scratch files are harmless; the next start of the node clears the work dir.
    }
  }

  static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}

package io.framefarm.worker.slot;

import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.WorkerCommand;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.MemoryStats;
import io.framefarm.worker.onnx.OnnxModelLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;

/**
 * One processing slot of a worker node. When idle it asks the job manager for work (and asks again
 * periodically in case the request or the singleton was lost); with a chunk it pulls the input
 * packets, decodes, runs the pipeline, encodes, reports progress every second, offers the result and
 * waits for the job manager's acknowledgement before it frees its files and asks again.
 *
 * <p>Failures: when its device's memory manager restarts, the chunk in hand loses its memory and fails
 * at once (reported as a failed attempt), and the slot asks for work again. A slot that fails itself
 * returns its chunk as a failed attempt and restarts. When the memory manager stops for good, the slot
 * returns its chunk and stops: nothing can run on that device any more.
 */
public final class WorkerSlot extends AbstractBehavior<WorkerCommand> {

  /**
   * Where this slot works, how patient it is, and its device's memory manager. Chunks are processed on
   * {@code chunkPool}, which must have a thread for every slot that shares it (see {@link ChunkPool}).
   */
  public record Settings(String slotId, Path workDir, SlotTiming timing, ActorRef<MemoryManager.Command> memory,
      OnnxModelLoader loader, Executor chunkPool) {}

  private enum RequestAgain implements WorkerCommand, NoSerializationVerificationNeeded { INSTANCE }

  private record StatsForRequest(MemoryStats stats) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private enum ProgressTick implements WorkerCommand, NoSerializationVerificationNeeded { INSTANCE }

  private record SegmentReceived(AssignChunk assignment) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record Processed(AssignChunk assignment, int frames, SourceRef<ByteString> result, String textJson)
      implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record Failed(AssignChunk assignment, String reason) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record AckTimedOut(AssignChunk assignment) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private record MemoryRestarted(MemoryManager.Restarted restarted)
      implements WorkerCommand, NoSerializationVerificationNeeded {}

  /** For tests: fails the slot as a bug in it would. Package-private, out of the product's way. */
  record Crash(String reason) implements WorkerCommand, NoSerializationVerificationNeeded {}

  private final ActorRef<JobManagerCommand> jobManager;
  private final Settings settings;
  private final TimerScheduler<WorkerCommand> timers;
  private final Materializer materializer;
  private final String node;
  /** The chunk in hand, or null when idle. */
  private AssignChunk current;
  /** The memory of the chunk being processed, or null when none is. */
  private ChunkMemory chunkMemory;
  /** Whether the chunk in hand was reported (done or failed) and awaits the job manager's acknowledgement. */
  private boolean reported;
  private final AtomicInteger framesDone = new AtomicInteger();

  public static Behavior<WorkerCommand> create(ActorRef<JobManagerCommand> jobManager, Settings settings) {
    Behavior<WorkerCommand> slot = Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new WorkerSlot(context, timers, jobManager, settings)));
    return Behaviors.supervise(slot).onFailure(Exception.class, SupervisorStrategy.restart());
  }

  private WorkerSlot(ActorContext<WorkerCommand> context, TimerScheduler<WorkerCommand> timers,
      ActorRef<JobManagerCommand> jobManager, Settings settings) {
    super(context);
    this.jobManager = jobManager;
    this.settings = settings;
    this.timers = timers;
    this.materializer = Materializer.matFromSystem(context.getSystem());
    this.node = Cluster.get(context.getSystem()).selfMember().address().toString();
    settings.memory().tell(new MemoryManager.WatchRestarts(
        context.messageAdapter(MemoryManager.Restarted.class, MemoryRestarted::new)));
    context.watch(settings.memory());
    askForWork();
  }

  @Override
  public Receive<WorkerCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(RequestAgain.class, m -> onRequestAgain())
        .onMessage(StatsForRequest.class, this::onStatsForRequest)
        .onMessage(AssignChunk.class, this::onAssignChunk)
        .onMessage(SegmentReceived.class, this::onSegmentReceived)
        .onMessage(ProgressTick.class, m -> onProgressTick())
        .onMessage(Processed.class, this::onProcessed)
        .onMessage(Failed.class, this::onFailed)
        .onMessage(ChunkAcknowledged.class, this::onChunkAcknowledged)
        .onMessage(AckTimedOut.class, this::onAckTimedOut)
        .onMessage(MemoryRestarted.class, this::onMemoryRestarted)
        .onMessage(Crash.class, this::onCrash)
        .onSignal(Terminated.class, this::onMemoryStopped)
        .onSignal(PreRestart.class, signal -> onPreRestart())
        .build();
  }

  private void askForWork() {
    current = null;
    chunkMemory = null;
    reported = false;
    requestWithSnapshot();
    timers.startTimerWithFixedDelay(RequestAgain.INSTANCE, settings.timing().requestInterval());
  }

  private Behavior<WorkerCommand> onRequestAgain() {
    if (current == null) {
      requestWithSnapshot();
    }
    return this;
  }

  /** Work requests carry the device's memory so that the scheduler can match chunks to it. */
  private void requestWithSnapshot() {
    getContext().ask(MemoryStats.class, settings.memory(), settings.timing().statsAskTimeout(), MemoryManager.GetStats::new,
        (stats, error) -> new StatsForRequest(stats));
  }

  private Behavior<WorkerCommand> onStatsForRequest(StatsForRequest m) {
    if (current != null) {
      return this;
    }
    MemoryStats s = m.stats();
    DeviceSnapshot snapshot = s == null ? DeviceSnapshot.unknown(settings.slotId())
        : new DeviceSnapshot(s.deviceId(), s.budgetBytes(), s.freeBytes(),
            s.models().stream().map(MemoryStats.ResidentModel::modelId).toList());
    jobManager.tell(new RequestWork(getContext().getSelf(), node, settings.slotId(), snapshot));
    return this;
  }

  private Behavior<WorkerCommand> onAssignChunk(AssignChunk a) {
    if (current != null) {
      jobManager.tell(new ChunkAttemptFailed(a.jobId(), a.chunk(), a.attempt(),
          "slot " + settings.slotId() + " on " + node + " is busy with " + current.jobId() + " chunk " + current.chunk(),
          getContext().getSelf()));
      return this;
    }
    current = a;
    framesDone.set(0);
    timers.cancel(RequestAgain.INSTANCE);
    timers.startTimerWithFixedDelay(ProgressTick.INSTANCE, settings.timing().progressInterval());
    getContext().getLog().debug("Slot {} took {} chunk {} attempt {}", settings.slotId(), a.jobId(), a.chunk(), a.attempt());
    Path dir = workDir(a);
    CompletableFuture<Void> received = CompletableFuture.runAsync(() -> createDirectories(dir), settings.chunkPool())
        .thenCompose(v -> a.segment().getSource().runWith(FileIO.toPath(dir.resolve("segment.nut")), materializer))
        .thenAccept(io -> {});
    getContext().pipeToSelf(received, (ok, error) -> error == null ? new SegmentReceived(a)
        : new Failed(a, "could not receive input packets: " + rootMessage(error)));
    return this;
  }

  private Behavior<WorkerCommand> onSegmentReceived(SegmentReceived m) {
    AssignChunk a = m.assignment();
    Path dir = workDir(a);
    String owner = a.jobId() + "/" + a.chunk() + "/a" + a.attempt();
    if (a != current) {
      return forgotten(a);
    }
    ChunkMemory chunk = new ChunkMemory(settings.memory(), getContext().getSystem().scheduler(), owner,
        settings.timing().memoryAskTimeout());
    chunkMemory = chunk;
    CompletableFuture<Processed> done = CompletableFuture.supplyAsync(() -> {
      ChunkProcessor.Result processed;
      try (ChunkMemory memory = chunk) {
        processed = ChunkProcessor.process(a, dir.resolve("segment.nut"), dir.resolve("result.nut"), framesDone,
            memory, settings.loader());
      }
      SourceRef<ByteString> ref = FileIO.fromPath(dir.resolve("result.nut"), 64 * 1024)
          .runWith(StreamRefs.<ByteString>sourceRef(), materializer);
      return new Processed(a, processed.frames(), ref, processed.textJson());
    }, settings.chunkPool());
    getContext().pipeToSelf(done, (processed, error) -> error == null ? processed
        : new Failed(a, rootMessage(error)));
    return this;
  }

  private Behavior<WorkerCommand> onProgressTick() {
    if (current != null) {
      jobManager.tell(new ChunkProgress(current.jobId(), current.chunk(), current.attempt(), framesDone.get()));
    }
    return this;
  }

  private Behavior<WorkerCommand> onProcessed(Processed m) {
    AssignChunk a = m.assignment();
    if (a != current) {
      return forgotten(a);
    }
    chunkMemory = null;
    reported = true;
    jobManager.tell(new ChunkProgress(a.jobId(), a.chunk(), a.attempt(), m.frames()));
    jobManager.tell(new ChunkDone(a.jobId(), a.chunk(), a.attempt(), m.frames(), m.result(), getContext().getSelf(),
        m.textJson()));
    timers.startSingleTimer(new AckTimedOut(a), settings.timing().ackTimeout());
    return this;
  }

  private Behavior<WorkerCommand> onFailed(Failed m) {
    AssignChunk a = m.assignment();
    if (a != current) {
      return forgotten(a);
    }
    chunkMemory = null;
    reported = true;
    getContext().getLog().warn("Slot {} failed {} chunk {}: {}", settings.slotId(), a.jobId(), a.chunk(), m.reason());
    jobManager.tell(new ChunkAttemptFailed(a.jobId(), a.chunk(), a.attempt(), m.reason(), getContext().getSelf()));
    timers.startSingleTimer(new AckTimedOut(a), settings.timing().ackTimeout());
    return this;
  }

  private Behavior<WorkerCommand> onChunkAcknowledged(ChunkAcknowledged ack) {
    if (current == null || !current.jobId().equals(ack.jobId()) || current.chunk() != ack.chunk()
        || current.attempt() != ack.attempt()) {
      return this;
    }
    if (!ack.accepted()) {
      getContext().getLog().info("Job manager refused {} chunk {}: {}", ack.jobId(), ack.chunk(), ack.reason());
    }
    finishCurrent();
    return this;
  }

  private Behavior<WorkerCommand> onAckTimedOut(AckTimedOut m) {
    if (current == m.assignment()) {
      getContext().getLog().warn("No acknowledgement for {} chunk {} within {}; moving on", current.jobId(),
          current.chunk(), settings.timing().ackTimeout());
      finishCurrent();
    }
    return this;
  }

  private Behavior<WorkerCommand> onMemoryRestarted(MemoryRestarted m) {
    MemoryManager.Restarted r = m.restarted();
    if (chunkMemory != null) {
      // The chunk's thread fails on its next frame or pending ask, and reports through onFailed.
      chunkMemory.revoke("memory manager for " + r.deviceId() + " on " + node + " restarted (restart " + r.restarts()
          + ") and reclaimed what the chunk held");
    }
    return this;
  }

  private Behavior<WorkerCommand> onCrash(Crash m) {
    throw new IllegalStateException("injected failure: " + m.reason());
  }

  // The manager exceeded its restarts: nothing can run on this device any more.
  private Behavior<WorkerCommand> onMemoryStopped(Terminated signal) {
    getContext().getLog().error("Slot {} on {} stops: its memory manager stopped", settings.slotId(), node);
    giveBackCurrent("the memory manager of slot " + settings.slotId() + " on " + node + " stopped");
    return Behaviors.stopped();
  }

  private Behavior<WorkerCommand> onPreRestart() {
    giveBackCurrent("slot " + settings.slotId() + " on " + node + " failed and restarted");
    return this;
  }

  /** Returns the chunk in hand as a failed attempt unless it was already reported, and stops its processing. */
  private void giveBackCurrent(String reason) {
    if (chunkMemory != null) {
      chunkMemory.revoke(reason);
    }
    if (current != null && !reported) {
      jobManager.tell(new ChunkAttemptFailed(current.jobId(), current.chunk(), current.attempt(), reason,
          getContext().getSelf()));
    }
  }

  // The chunk's processing ended after the slot restarted and gave it back: only its files remain.
  private Behavior<WorkerCommand> forgotten(AssignChunk a) {
    Path dir = workDir(a);
    CompletableFuture.runAsync(() -> deleteRecursively(dir), settings.chunkPool());
    return this;
  }

  private void finishCurrent() {
    timers.cancel(ProgressTick.INSTANCE);
    Path dir = workDir(current);
    CompletableFuture.runAsync(() -> deleteRecursively(dir), settings.chunkPool());
    askForWork();
  }

  private Path workDir(AssignChunk a) {
    return settings.workDir().resolve(a.jobId() + "-" + a.chunk() + "-a" + a.attempt());
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create " + dir, e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try {
      Scratch.delete(dir);
    } catch (IOException e) {
      // Leftover scratch files are harmless; the next start of the node clears the work dir.
    }
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}

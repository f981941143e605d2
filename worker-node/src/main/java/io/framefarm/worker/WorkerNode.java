package io.framefarm.worker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import io.framefarm.protocol.DrainProtocol;
import io.framefarm.protocol.DrainProtocol.DrainNode;
import io.framefarm.protocol.DrainProtocol.WorkerNodeCommand;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkerCommand;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.Devices;
import io.framefarm.worker.device.SimulatedDevice;
import io.framefarm.worker.memory.LeaseSites;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.TrackingLevel;
import io.framefarm.worker.models.JobManagerModelSource;
import io.framefarm.worker.models.ModelFetcher;
import io.framefarm.worker.models.ModelFileCache;
import io.framefarm.worker.models.PipelineFiles;
import io.framefarm.worker.onnx.OnnxModelLoader;
import io.framefarm.worker.report.MemoryPublisher;
import io.framefarm.worker.slot.ChunkPool;
import io.framefarm.worker.slot.Scratch;
import io.framefarm.worker.slot.SlotTiming;
import io.framefarm.worker.slot.WorkerSlot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.Materializer;

/**
 * A worker node's root. Discovers its devices (GPUs, or host slots without them), gives each device
 * one memory manager (on a pinned thread of its own) and one slot actor pulling chunks (processed on
 * the node's chunk pool, one thread per slot), and publishes memory events to the cluster.
 *
 * <p>Draining: a shutdown for {@link DrainReason} (SIGTERM on {@code farm worker}, or {@link DrainNode} from
 * the API) runs {@link Drain} in the {@code before-cluster-shutdown} phase of coordinated shutdown: the slots
 * stop asking for work, their running chunks may finish within {@code framefarm.worker.drain-timeout}, the
 * rest are handed back; then the node leaves the cluster as coordinated shutdown goes on.
 */
public final class WorkerNode extends AbstractBehavior<WorkerNodeCommand> {
  /**
   * @param gpus {@code all}, {@code none} or ordinals such as {@code 0,2}
   * @param memoryBudgetBytes per device; 0 for the default (a fraction of the GPU, half of host memory shared by slots)
   * @param memoryConfig adjusts each device's memory settings (watermarks, cleanup, reports)
   * @param modelCacheDir where the node keeps the model files it fetched (kept across restarts, unlike the work dir)
   * @param modelCacheBytes that cache's budget; 0 for {@code framefarm.worker.model-cache.max-bytes}
   */
  public record Settings(int cpuSlots, Path workDir, String gpus, long memoryBudgetBytes,
      UnaryOperator<MemoryConfig> memoryConfig, Path modelCacheDir, long modelCacheBytes) {
    /** Host slots, with the model cache beside the work dir. */
    public static Settings cpu(int cpuSlots, Path workDir, long memoryBudgetBytes) {
      return new Settings(cpuSlots, workDir, "all", memoryBudgetBytes, UnaryOperator.identity(),
          workDir.toAbsolutePath().resolveSibling(workDir.getFileName() + "-models"), 0);
    }
  }

  /** The coordinated-shutdown reason of a drain: the node finishes its chunks, leaves and does not join again. */
  public enum DrainReason implements CoordinatedShutdown.Reason { INSTANCE }

  /** Drain the slots: answered once every slot has finished or handed back its chunk. */
  public record Drain(ActorRef<Drained> replyTo) implements WorkerNodeCommand, NoSerializationVerificationNeeded {}

  /** How the slots' chunks ended in a drain. */
  public record Drained(int finished, int handedBack) implements NoSerializationVerificationNeeded {}

  private record SlotDrained(WorkerSlot.Drained drained)
      implements WorkerNodeCommand, NoSerializationVerificationNeeded {}

  private enum DrainTimedOut implements WorkerNodeCommand, NoSerializationVerificationNeeded { INSTANCE }

  private final TimerScheduler<WorkerNodeCommand> timers;
  private final ExecutorService chunkPool;
  private final Duration drainTimeout;
  /** Slot id to slot, for the slots that have not stopped. */
  private final Map<String, ActorRef<WorkerCommand>> slots;
  /** While draining: who asked, and the slots that have not answered yet. */
  private final List<ActorRef<Drained>> drainRequesters = new ArrayList<>();
  private final Map<String, ActorRef<WorkerCommand>> draining = new HashMap<>();
  private final Map<WorkerSlot.Outcome, Integer> outcomes = new EnumMap<>(WorkerSlot.Outcome.class);

  public static Behavior<WorkerNodeCommand> create(ActorRef<JobManagerCommand> jobManager, Settings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new WorkerNode(context, timers, jobManager,
        settings)));
  }

  private WorkerNode(ActorContext<WorkerNodeCommand> context, TimerScheduler<WorkerNodeCommand> timers,
      ActorRef<JobManagerCommand> jobManager, Settings settings) {
    super(context);
    this.timers = timers;
    Scratch.reset(settings.workDir());
    Config worker = context.getSystem().settings().config().getConfig("framefarm.worker");
    List<Device> devices = devices(settings, worker.getConfig("simulated"));
    String node = Cluster.get(context.getSystem()).selfMember().address().toString();
    this.drainTimeout = worker.getDuration("drain-timeout");
    SlotTiming timing = SlotTiming.fromConfig(worker);
    this.chunkPool = ChunkPool.create(devices.size(), worker.getConfig("chunk-pool"));
    PipelineFiles files = pipelineFiles(context.getSystem(), jobManager, node, settings,
        worker.getConfig("model-cache"));
    Map<String, String> kinds = devices.stream().collect(Collectors.toMap(Device::id, d -> d.kind().name()));
    ActorRef<MemoryEvent> publisher = context.spawn(MemoryPublisher.create(node, kinds), "memory-publisher");
    this.slots = new HashMap<>();
    for (Device device : devices) {
      MemoryConfig config = settings.memoryConfig().apply(memoryConfig(device.kind(), worker.getConfig("memory"))
          .withBudgetBytes(settings.memoryBudgetBytes()));
      // ONNX Runtime threads per session: the host's cores shared by its slots.
      int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / devices.size());
      OnnxModelLoader loader = OnnxModelLoader.forDevice(device, threads);
      // Model loads run on the manager's thread by design (one command at a time): a pinned thread that may block.
      ActorRef<MemoryManager.Command> memory = context.spawn(
          MemoryManager.create(device, config, loader, publisher), "memory-" + device.id(),
          DispatcherSelector.fromConfig("framefarm.worker.memory-manager-dispatcher"));
      Duration simulatedFrameTime = device instanceof SimulatedDevice sim ? sim.frameTime() : null;
      var slotSettings = new WorkerSlot.Settings(device.id(), settings.workDir().resolve(device.id()), timing,
          memory, LeaseSites.of(config.trackingLevel()), loader, chunkPool, files, simulatedFrameTime);
      ActorRef<WorkerCommand> slot = context.spawn(WorkerSlot.create(jobManager, slotSettings), "slot-" + device.id());
      context.watch(slot);
      slots.put(device.id(), slot);
    }
    context.getSystem().receptionist().tell(Receptionist.register(DrainProtocol.WORKER_NODES, context.getSelf()));
    drainOnShutdown(context.getSystem(), context.getSelf(), drainTimeout);
    context.getLog().info("Worker node started {} slot(s) on {}, scratch in {}, model cache in {}", devices.size(),
        devices.stream().map(Device::id).toList(), settings.workDir(), settings.modelCacheDir());
    context.getLog().debug("Worker node configured with {}", worker.root().render(ConfigRenderOptions.concise()));
  }

  /** {@code framefarm.worker.simulated.devices} simulated devices when set, else the GPUs or host slots. */
  private static List<Device> devices(Settings settings, Config simulated) {
    int count = simulated.getInt("devices");
    if (count > 0) {
      long budget = settings.memoryBudgetBytes() > 0 ? settings.memoryBudgetBytes()
          : simulated.getBytes("memory-budget");
      return Devices.simulated(count, budget, simulated.getDuration("frame-time"));
    }
    long hostBudget = settings.memoryBudgetBytes() > 0 ? settings.memoryBudgetBytes()
        : Devices.defaultHostBudget(settings.cpuSlots());
    return Devices.discover(settings.gpus(), hostBudget, settings.cpuSlots());
  }

  /**
   * The node's model cache, shared by its slots: each model is fetched once, whichever slot needs it first. Files
   * are hashed and moved on Pekko's blocking-IO dispatcher, not on the chunk pool (which has one thread a slot).
   */
  private static PipelineFiles pipelineFiles(ActorSystem<?> system, ActorRef<JobManagerCommand> jobManager,
      String node, Settings settings, Config cache) {
    long bytes = settings.modelCacheBytes() > 0 ? settings.modelCacheBytes() : cache.getBytes("max-bytes");
    var source = new JobManagerModelSource(jobManager, system, node, cache.getDuration("ask-timeout"));
    var fetcher = new ModelFetcher(new ModelFileCache(settings.modelCacheDir(), bytes), source,
        Materializer.matFromSystem(system), system.dispatchers().lookup(DispatcherSelector.blocking()),
        cache.getInt("fetch-attempts"), cache.getDuration("first-retry-pause"));
    return new PipelineFiles(fetcher);
  }

  /** A drain in the phase before the node leaves the cluster, when coordinated shutdown runs for a drain. */
  private static void drainOnShutdown(ActorSystem<?> system, ActorRef<WorkerNodeCommand> self, Duration timeout) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(Adapter.toClassic(system));
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeClusterShutdown(), "framefarm-drain-worker", () -> {
      if (!shutdown.getShutdownReason().filter(DrainReason.INSTANCE::equals).isPresent()) {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      return AskPattern.<WorkerNodeCommand, Drained>ask(self, Drain::new, timeout.plusSeconds(5), system.scheduler())
          .thenApply(drained -> Done.getInstance());
    });
  }

  @Override
  public Receive<WorkerNodeCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(DrainNode.class, this::onDrainNode)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(SlotDrained.class, this::onSlotDrained)
        .onMessageEquals(DrainTimedOut.INSTANCE, this::onDrainTimedOut)
        .onSignal(Terminated.class, this::onSlotStopped)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<WorkerNodeCommand> onDrainNode(DrainNode m) {
    getContext().getLog().info("Draining as {} asked: finishing running chunks (up to {}), then leaving the cluster",
        m.requestedBy(), drainTimeout);
    CoordinatedShutdown.get(Adapter.toClassic(getContext().getSystem())).runAll(DrainReason.INSTANCE);
    return this;
  }

  private Behavior<WorkerNodeCommand> onDrain(Drain m) {
    drainRequesters.add(m.replyTo());
    if (drainRequesters.size() > 1) {
      return this; // already draining; answered with the first
    }
    ActorRef<WorkerSlot.Drained> adapter = getContext().messageAdapter(WorkerSlot.Drained.class, SlotDrained::new);
    draining.putAll(slots);
    slots.values().forEach(slot -> slot.tell(new WorkerSlot.Drain(adapter)));
    getContext().getLog().info("Draining {} slot(s): no more work is taken; running chunks may finish within {}",
        slots.size(), drainTimeout);
    timers.startSingleTimer(DrainTimedOut.INSTANCE, drainTimeout);
    return answerIfDrained();
  }

  private Behavior<WorkerNodeCommand> onSlotDrained(SlotDrained m) {
    if (draining.remove(m.drained().slotId()) != null) {
      outcomes.merge(m.drained().outcome(), 1, Integer::sum);
    }
    return answerIfDrained();
  }

  private Behavior<WorkerNodeCommand> onDrainTimedOut() {
    getContext().getLog().warn("Drain timeout of {} reached: handing back the chunks of {}", drainTimeout,
        draining.keySet());
    draining.values().forEach(slot -> slot.tell(WorkerSlot.HandBack.INSTANCE));
    return this;
  }

  private Behavior<WorkerNodeCommand> onSlotStopped(Terminated t) {
    slots.values().removeIf(slot -> slot.equals(t.getRef()));
    draining.values().removeIf(slot -> slot.equals(t.getRef()));
    return answerIfDrained();
  }

  private Behavior<WorkerNodeCommand> answerIfDrained() {
    if (!drainRequesters.isEmpty() && draining.isEmpty()) {
      timers.cancel(DrainTimedOut.INSTANCE);
      var drained = new Drained(outcomes.getOrDefault(WorkerSlot.Outcome.FINISHED, 0),
          outcomes.getOrDefault(WorkerSlot.Outcome.HANDED_BACK, 0));
      getContext().getLog().info("Drained: {} chunk(s) finished, {} handed back", drained.finished(),
          drained.handedBack());
      drainRequesters.forEach(r -> r.tell(drained));
    }
    return this;
  }

  private Behavior<WorkerNodeCommand> onPostStop() {
    chunkPool.shutdownNow(); // interrupts chunks still running: their slots are gone
    return this;
  }

  /** A device's memory settings: the kind's defaults with {@code framefarm.worker.memory} over them. */
  static MemoryConfig memoryConfig(Device.Kind kind, Config memory) {
    return MemoryConfig.defaults(kind)
        .withWatermarks(memory.getDouble("high-watermark"), memory.getDouble("low-watermark"))
        .withCleanup(memory.getInt("cleanup-every-frames"), memory.getDuration("cleanup-interval"))
        .withReports(memory.getDuration("report-interval"), memory.getDuration("report-min-interval"))
        .withTrackingLevel(TrackingLevel.valueOf(memory.getString("leak-tracking").toUpperCase(Locale.ROOT)));
  }
}

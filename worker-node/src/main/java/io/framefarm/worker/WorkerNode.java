package io.framefarm.worker;

import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.Devices;
import io.framefarm.worker.memory.LeaseSites;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.TrackingLevel;
import io.framefarm.worker.onnx.OnnxModelLoader;
import io.framefarm.worker.report.MemoryPublisher;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import io.framefarm.worker.slot.ChunkPool;
import io.framefarm.worker.slot.Scratch;
import io.framefarm.worker.slot.SlotTiming;
import io.framefarm.worker.slot.WorkerSlot;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A worker node's root. Discovers its devices (GPUs, or host slots without them), gives each device
 * one memory manager (on a pinned thread of its own) and one slot actor pulling chunks (processed on
 * the node's chunk pool, one thread per slot), and publishes memory events to the cluster.
 */
public final class WorkerNode {
  /**
   * @param gpus {@code all}, {@code none} or ordinals such as {@code 0,2}
   * @param memoryBudgetBytes per device; 0 for the default (a fraction of the GPU, half of host memory shared by slots)
   * @param memoryConfig adjusts each device's memory settings (watermarks, cleanup, reports)
   */
  public record Settings(int cpuSlots, Path workDir, String gpus, long memoryBudgetBytes,
      UnaryOperator<MemoryConfig> memoryConfig) {
    public static Settings cpu(int cpuSlots, Path workDir, long memoryBudgetBytes) {
      return new Settings(cpuSlots, workDir, "all", memoryBudgetBytes, UnaryOperator.identity());
    }
  }

  private WorkerNode() {}

  public static Behavior<Void> create(ActorRef<JobManagerCommand> jobManager, Settings settings) {
    return Behaviors.setup(context -> {
      Scratch.reset(settings.workDir());
      long hostBudget = settings.memoryBudgetBytes() > 0 ? settings.memoryBudgetBytes()
          : Devices.defaultHostBudget(settings.cpuSlots());
      List<Device> devices = Devices.discover(settings.gpus(), hostBudget, settings.cpuSlots());
      String node = Cluster.get(context.getSystem()).selfMember().address().toString();
      Config worker = context.getSystem().settings().config().getConfig("framefarm.worker");
      SlotTiming timing = SlotTiming.fromConfig(worker);
      ExecutorService chunkPool = ChunkPool.create(devices.size(), worker.getConfig("chunk-pool"));
      Map<String, String> kinds = devices.stream().collect(Collectors.toMap(Device::id, d -> d.kind().name()));
      ActorRef<MemoryEvent> publisher = context.spawn(MemoryPublisher.create(node, kinds), "memory-publisher");
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
        var slotSettings = new WorkerSlot.Settings(device.id(), settings.workDir().resolve(device.id()), timing,
            memory, LeaseSites.of(config.trackingLevel()), loader, chunkPool);
        context.spawn(WorkerSlot.create(jobManager, slotSettings), "slot-" + device.id());
      }
      context.getLog().info("Worker node started {} slot(s) on {}, scratch in {}", devices.size(),
          devices.stream().map(Device::id).toList(), settings.workDir());
      context.getLog().debug("Worker node configured with {}", worker.root().render(ConfigRenderOptions.concise()));
      return Behaviors.receive(Void.class)
          .onSignal(PostStop.class, signal -> {
            chunkPool.shutdownNow(); // interrupts chunks still running: their slots are gone
            return Behaviors.same();
          })
          .build();
    });
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

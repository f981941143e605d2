package io.framefarm.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = "Run a worker node that joins the cluster at --seed-nodes (or through --discovery) and "
        + "processes chunks; it joins again on its own when the cluster downs it. SIGTERM (or farm drain) drains "
        + "it: no more chunks are taken, running ones may finish within --drain-timeout, the rest are handed back, "
        + "the node leaves the cluster and exits 0. With --simulated-devices N it runs N simulated devices instead "
        + "of its GPUs or host slots, for capacity planning and benchmarks: frames hold a device for a set time "
        + "without computing anything, and the output frames are the input's.")
final class WorkerCommand implements Callable<Integer> {
  private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  @Mixin
  DeviceOptions devices = new DeviceOptions();

  @Option(names = "--data-dir", description = "Scratch files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of(".farm-worker");

  @Option(names = "--drain-timeout", paramLabel = "DURATION",
      description = "How long running chunks may finish when the worker drains, e.g. 60s or 5m "
          + "(default: framefarm.worker.drain-timeout, 60s).")
  String drainTimeout;

  @Mixin
  NodeOptions node = new NodeOptions();

  @Override
  public Integer call() {
    if (node.seedNodes.isEmpty() && !node.discovery.enabled()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "a worker needs --seed-nodes HOST:PORT of the coordinator's cluster, or --discovery to find it");
    }
    String joining = node.discovery.enabled() ? "the cluster found by --discovery " + node.discovery.method
        : String.valueOf(node.seedNodes);
    Map<String, Object> settings = new java.util.LinkedHashMap<>();
    settings.put("framefarm.data-dir", NodeOptions.absolute(dataDir).toString());
    settings.putAll(devices.overrides());
    if (drainTimeout != null) {
      settings.put("framefarm.worker.drain-timeout", drainTimeout);
    }
    var config = node.config(List.of("worker"), settings);
    config.getDuration("framefarm.worker.drain-timeout"); // a bad --drain-timeout fails here, before joining
    AtomicBoolean stopping = new AtomicBoolean();
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicReference<FarmNode> current = new AtomicReference<>();
    // SIGTERM (systemd, Kubernetes, docker stop) and Ctrl-C drain the node instead of dropping its chunks.
    Runnable drain = () -> {
      stopping.set(true);
      stopped.countDown();
      FarmNode farm = current.get();
      if (farm != null) {
        farm.drain();
      }
    };
    Signals.onTermination(drain);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      stopped.countDown();
      FarmNode farm = current.get();
      if (farm != null) {
        farm.close();
      }
    }));
    Duration backoff = MIN_BACKOFF;
    while (!stopping.get()) {
      long startedAt = System.nanoTime();
      FarmNode farm = FarmNode.start(config, devices.toWorkerOptions());
      current.set(farm);
      if (stopping.get()) {
        farm.drain(); // the signal came while the node started
      }
      System.out.println("Worker up with " + (devices.simulatedDevices > 0
          ? devices.simulatedDevices + " simulated device(s)" : devices.cpuSlots + " CPU slot(s)") + ", joining "
          + joining);
      farm.awaitTermination();
      if (stopping.get() || farm.drained()) {
        System.out.println("Worker drained and left the cluster");
        break;
      }
      // The cluster downed this node (it lost the coordinators, or they lost it): a downed node cannot come
      // back, so a new one joins through the seed nodes (or bootstrap), after a pause that grows while it keeps
      // failing.
      boolean ranLong = Duration.ofNanos(System.nanoTime() - startedAt).compareTo(MAX_BACKOFF) > 0;
      backoff = ranLong ? MIN_BACKOFF : min(backoff.multipliedBy(2), MAX_BACKOFF);
      System.out.println("Worker left the cluster; joining again through " + joining + " in "
          + backoff.toMillis() + " ms");
      await(stopped, backoff);
    }
    return ExitCodes.OK;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The pause before joining again; a stop (SIGTERM) meanwhile ends it. */
  private static void await(CountDownLatch stopped, Duration pause) {
    try {
      stopped.await(pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

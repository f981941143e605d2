package io.framefarm.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = "Run a worker node that joins the cluster at --seed-nodes and processes chunks; "
        + "it joins again on its own when the cluster downs it.")
final class WorkerCommand implements Callable<Integer> {
  private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  @Mixin
  DeviceOptions devices = new DeviceOptions();

  @Option(names = "--data-dir", description = "Scratch files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of(".farm-worker");

  @Mixin
  NodeOptions node = new NodeOptions();

  @Override
  public Integer call() {
    if (node.seedNodes.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "a worker needs --seed-nodes HOST:PORT of the coordinator's cluster");
    }
    var config = node.config(List.of("worker"), Map.of("framefarm.data-dir", NodeOptions.absolute(dataDir).toString()));
    AtomicBoolean stopping = new AtomicBoolean();
    AtomicReference<FarmNode> current = new AtomicReference<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
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
      System.out.println("Worker up with " + devices.cpuSlots + " CPU slot(s), joining " + node.seedNodes);
      farm.awaitTermination();
      if (stopping.get()) {
        break;
      }
      // The cluster downed this node (it lost the coordinators, or they lost it): a downed node cannot come
      // back, so a new one joins through the seed nodes, after a pause that grows while it keeps failing.
      boolean ranLong = Duration.ofNanos(System.nanoTime() - startedAt).compareTo(MAX_BACKOFF) > 0;
      backoff = ranLong ? MIN_BACKOFF : min(backoff.multipliedBy(2), MAX_BACKOFF);
      System.out.println("Worker left the cluster; joining again through " + node.seedNodes + " in "
          + backoff.toMillis() + " ms");
      sleep(backoff);
    }
    return ExitCodes.OK;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The pause before joining again; a stop (SIGTERM) meanwhile ends it through the shutdown hook's flag. */
  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.framefarm.worker.gpucheck;

import static io.framefarm.worker.device.MemorySize.format;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.framefarm.worker.device.CudaDevice;
import io.framefarm.worker.device.CudaDriver;
import io.framefarm.worker.device.JCudaDriverBinding;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.MemoryStats;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves the memory manager on a real GPU (issue 11): runs the {@link MemoryManager} actor on a {@link CudaDevice}
 * and compares its books with {@code cuMemGetInfo} after every step, prints a table, and exits 1 on any miss.
 *
 * <p>It takes the driver as a parameter: {@link JCudaDriverBinding} from {@link #main}, the tests' fake CUDA driver
 * in the unit test and in the bundle's {@code --fake} run, so the same code runs in both places. The manager runs
 * as the worker runs it: production memory defaults, on the worker's pinned memory-manager dispatcher.
 */
public final class GpuCheck {

  private static final Logger log = LoggerFactory.getLogger(GpuCheck.class);
  private static final long MAX_AUTO_BUDGET = 8L << 30;

  private GpuCheck() {}

  public static void main(String[] args) {
    System.exit(run(new JCudaDriverBinding(), args, System.out));
  }

  /** Parses {@code args}, runs the check and returns the exit status: 0 passed, 1 a row failed, 2 bad options. */
  public static int run(CudaDriver driver, String[] args, PrintStream out) {
    CheckOptions options;
    try {
      options = CheckOptions.parse(args);
    } catch (IllegalArgumentException e) {
      out.println("gpu-check: " + e.getMessage());
      return 2;
    }
    log.info("GPU check with {} on {}", options, driver.getClass().getSimpleName());
    CheckTable table = run(driver, options, out);
    log.info("GPU check {}:\n{}", table.passed() ? "passed" : "failed", table.render());
    return table.passed() ? 0 : 1;
  }

  /** Runs every step on {@code driver}'s GPU {@code options.device()}, prints the table to {@code out}, returns it. */
  public static CheckTable run(CudaDriver driver, CheckOptions options, PrintStream out) {
    CheckTable table = new CheckTable();
    try {
      check(driver, options, table);
    } catch (Throwable e) {
      if (e instanceof VirtualMachineError error) {
        throw error;
      }
      // No libcuda (UnsatisfiedLinkError), no GPU, a driver error or a manager that stopped answering: a miss.
      log.error("GPU check stopped early", e);
      table.check("check ran to the end", false, e.getClass().getSimpleName() + ": " + keyLine(e.getMessage()));
    }
    out.print(table.render());
    out.flush();
    return table;
  }

  private static void check(CudaDriver driver, CheckOptions options, CheckTable table) throws Exception {
    driver.init();
    int count = driver.deviceCount();
    long selected = 0;
    for (int ordinal = 0; ordinal < count; ordinal++) {
      long context = driver.retainContext(ordinal);
      driver.setCurrentContext(context);
      CudaDriver.MemoryInfo info = driver.memoryInfo();
      table.header("cuda:" + ordinal + "  " + driver.deviceName(ordinal) + "  total " + format(info.totalBytes())
          + "  free " + format(info.freeBytes()));
      if (ordinal == options.device()) {
        selected = context; // kept, and current on this thread for the measurements below
      } else {
        driver.releaseContext(ordinal);
      }
    }
    table.check("discover devices", options.device() < count, count + " GPU(s) through the CUDA driver API; using cuda:"
        + options.device());
    if (options.device() >= count) {
      return;
    }
    driver.setCurrentContext(selected);
    long free = driver.memoryInfo().freeBytes();
    long requested = options.budgetBytes() > 0 ? options.budgetBytes() : Math.min(MAX_AUTO_BUDGET, free / 2);
    long budget = 100 * ManagerScenario.unitOf(requested);
    DeviceBaseline base = DeviceBaseline.measure(driver, budget, options.tolerancePercent());
    table.header("budget " + format(budget) + " of " + format(free) + " free; " + base.describe(budget,
        options.tolerancePercent()));
    table.add(new CheckTable.Row("baseline", -1, free - base.baselineFreeBytes(), base.toleranceBytes(),
        budget < free ? CheckTable.Status.PASS : CheckTable.Status.FAIL,
        "budget below free memory; first allocation kept " + format(base.firstUseBytes()) + ", granularity "
            + format(base.granularityBytes())));
    try (CudaDevice device = CudaDevice.open(driver, options.device())) {
      runManager(driver, device, base, budget, options, table);
      driver.setCurrentContext(driver.retainContext(options.device()));
      long left = base.usedSince(driver.memoryInfo().freeBytes());
      table.add(new CheckTable.Row("stopped: back to the start", 0, left, base.toleranceBytes(),
          Math.abs(left) <= base.toleranceBytes() ? CheckTable.Status.PASS : CheckTable.Status.FAIL,
          "the manager's stop freed everything (cuMemGetInfo on this thread)"));
      driver.releaseContext(options.device());
    } finally {
      driver.releaseContext(options.device());
    }
  }

  private static void runManager(CudaDriver driver, CudaDevice device, DeviceBaseline base, long budget,
      CheckOptions options, CheckTable table) throws Exception {
    ConcurrentLinkedQueue<MemoryEvent> events = new ConcurrentLinkedQueue<>();
    ActorSystem<MemoryEvent> system = ActorSystem.create(Behaviors.receiveMessage(event -> {
      events.add(event);
      return Behaviors.same();
    }), "gpu-check", config());
    try {
      MemoryConfig config = MemoryConfig.defaults(device.kind()).withBudgetBytes(budget);
      DeviceModels models = new DeviceModels(device, ManagerScenario.actualSizes(budget));
      ActorRef<MemoryManager.Command> manager = system.systemActorOf(
          MemoryManager.create(device, config, models, system), "memory-" + device.id().replace(':', '-'),
          DispatcherSelector.fromConfig("framefarm.worker.memory-manager-dispatcher"));
      ManagerScenario scenario = new ManagerScenario(system, manager, base, table, options, budget);
      scenario.run();
      MemoryStats end = scenario.stats();
      awaitEvictionEvents(events, end.evictions());
      scenario.checkEvictionEvents(new ArrayList<>(events), end.evictions());
      long leaks = events.stream().filter(MemoryEvent.LeakDetected.class::isInstance).count();
      table.check("no leaks, nothing held", end.leaks() == 0 && leaks == 0 && end.nothingHeld(),
          end.loads() + " loads, " + end.evictions() + " evictions, pool hits " + end.poolHits() + " / misses "
              + end.poolMisses() + ", leaks " + end.leaks());
      timing(driver, device, scenario, options, table);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  // On this thread with the check's own reference to the primary context: the one the manager's device uses.
  private static void timing(CudaDriver driver, CudaDevice device, ManagerScenario scenario, CheckOptions options,
      CheckTable table) {
    driver.setCurrentContext(driver.retainContext(device.ordinal()));
    try {
      long buffers = AllocationTiming.median(AllocationTiming.direct(driver, scenario.bufferBytes(), 2,
          options.timingSamples()));
      table.info("timing: lease 2 x " + format(scenario.bufferBytes()), AllocationTiming.compare(
          AllocationTiming.median(scenario.leaseNanos()), buffers) + " (ask LeaseBuffers, pool hit)");
      long model = AllocationTiming.median(AllocationTiming.direct(driver, scenario.cycleModelBytes(), 1,
          Math.min(options.timingSamples(), options.evictions())));
      table.info("timing: model " + format(scenario.cycleModelBytes()), AllocationTiming.compare(
          AllocationTiming.median(scenario.evictionNanos()), model) + " (load evicting one)");
    } finally {
      driver.releaseContext(device.ordinal());
    }
  }

  private static void awaitEvictionEvents(ConcurrentLinkedQueue<MemoryEvent> events, long evictions)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (events.stream().filter(MemoryEvent.ModelEvicted.class::isInstance).count() < evictions
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private static Config config() {
    return ConfigFactory.parseString("""
        pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
        pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
        pekko.loglevel = INFO
        pekko.stdout-loglevel = WARNING
        """).withFallback(ConfigFactory.load());
  }

  // JCuda's UnsatisfiedLinkError nests both load attempts; the dynamic linker's line says what is missing.
  static String keyLine(String message) {
    if (message == null) {
      return "";
    }
    return message.lines().filter(l -> l.contains("cannot open shared object") || l.contains("undefined symbol")
        || l.contains("GLIBC")).findFirst().orElse(message.lines().findFirst().orElse("")).trim();
  }
}

package io.framefarm.worker.gpucheck;

import static io.framefarm.worker.device.MemorySize.format;

import io.framefarm.worker.gpucheck.CheckTable.Row;
import io.framefarm.worker.gpucheck.CheckTable.Status;
import io.framefarm.worker.memory.BufferLease;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.MemoryManager.AcquireModels;
import io.framefarm.worker.memory.MemoryManager.BuffersLeased;
import io.framefarm.worker.memory.MemoryManager.GetStats;
import io.framefarm.worker.memory.MemoryManager.LeaseBuffers;
import io.framefarm.worker.memory.MemoryManager.LeaseReply;
import io.framefarm.worker.memory.MemoryManager.LoadPrimaryModels;
import io.framefarm.worker.memory.MemoryManager.ModelsAcquired;
import io.framefarm.worker.memory.MemoryManager.ModelsReply;
import io.framefarm.worker.memory.MemoryManager.Rejected;
import io.framefarm.worker.memory.MemoryManager.Release;
import io.framefarm.worker.memory.MemoryManager.ReleaseModels;
import io.framefarm.worker.memory.MemoryManager.Reserve;
import io.framefarm.worker.memory.MemoryManager.ReserveReply;
import io.framefarm.worker.memory.MemoryManager.Reserved;
import io.framefarm.worker.memory.MemoryStats;
import io.framefarm.worker.memory.ModelSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The memory manager's part of the check: reservations, a buffer pool of device buffers, models, LRU
 * eviction under pressure, and the two long loops, comparing the manager's books with {@code cuMemGetInfo}
 * after every step. Sizes are in units of 1% of the budget (a multiple of 2 MiB, the driver's page), so
 * the same scenario fits any budget; the manager keeps its production defaults (90%/75% watermarks).
 */
final class ManagerScenario {

  static final String PRIMARY = "primary";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final ActorSystem<MemoryEvent> system;
  private final ActorRef<MemoryManager.Command> manager;
  private final DeviceBaseline base;
  private final CheckTable table;
  private final CheckOptions options;
  private final long budget;
  private final long unit;
  private final long tolerance;
  private long[] leaseNanos = new long[0];
  private long[] evictionNanos = new long[0];

  ManagerScenario(ActorSystem<MemoryEvent> system, ActorRef<MemoryManager.Command> manager, DeviceBaseline base,
      CheckTable table, CheckOptions options, long budget) {
    this.system = system;
    this.manager = manager;
    this.base = base;
    this.table = table;
    this.options = options;
    this.budget = budget;
    this.unit = unitOf(budget);
    this.tolerance = base.toleranceBytes();
  }

  /** 1% of the budget, rounded down to the 2 MiB page (at least one page); the manager's budget is 100 of them. */
  static long unitOf(long budget) {
    long page = 2 * DeviceBaseline.MIB;
    return Math.max(page, budget / 100 / page * page);
  }

  /** The sizes the "models" really take when they differ from their estimates (model-c: 12 units estimated). */
  static Map<String, Long> actualSizes(long budget) {
    return Map.of("model-c", 15 * unitOf(budget));
  }

  long[] leaseNanos() {
    return leaseNanos;
  }

  long[] evictionNanos() {
    return evictionNanos;
  }

  long bufferBytes() {
    return 2 * unit;
  }

  long cycleModelBytes() {
    return 25 * unit;
  }

  void run() {
    compare("manager started", true, "budget " + format(budget) + ", unit u = " + format(unit));
    reservation();
    BufferLease frames = lease("chunk-frames", 8);
    compare("lease 8 x 2u buffers", frames != null, "pool allocates 16u on the device");
    if (frames == null) {
      return;
    }
    if (!models(frames)) {
      return;
    }
    drain("full reservation evicts all unpinned", "drain-1");
    leaseLoop();
    evictionLoop();
    drain("full reservation after the loops", "drain-2");
  }

  private void reservation() {
    ReserveReply reserved = ask(replyTo -> new Reserve("chunk-reserve", 25 * unit, replyTo));
    MemoryStats s = compare("reserve 25u", reserved instanceof Reserved && stats().otherBytes() == 25 * unit,
        "bookkeeping only: nothing allocated on the device; " + reserved.getClass().getSimpleName());
    LeaseReply over = ask(replyTo -> new LeaseBuffers("chunk-over", 2 * unit, 40, replyTo));
    boolean refused = over instanceof Rejected rejected && rejected.retryable();
    compare("80u lease refused while reserved", refused && s.poolBytes() == 0,
        "the reservation holds its room: " + (over instanceof Rejected r ? "Rejected, retryable" : over));
    manager.tell(new Release("chunk-reserve", 25 * unit));
    compare("reservation released", stats().otherBytes() == 0, "budget back to 0 used");
  }

  private boolean models(BufferLease frames) {
    ModelSpec primary = spec(PRIMARY, 10, true);
    ModelsReply p = ask(replyTo -> new LoadPrimaryModels(List.of(primary), replyTo));
    compare("primary model 10u pinned", p instanceof ModelsAcquired, String.valueOf(reason(p)));
    ModelsReply abc = acquire("chunk-1", spec("model-a", 15, false), spec("model-b", 15, false),
        spec("model-c", 12, false));
    compare("models a, b, c (15u each)", abc instanceof ModelsAcquired
        && bytesOf(stats(), "model-c") == 15 * unit, "c estimated 12u, measured 15u at load: "
        + format(bytesOf(stats(), "model-c")));
    ModelsReply again = acquire("chunk-2", spec("model-a", 15, false));
    compare("model a used again", again instanceof ModelsAcquired, "LRU order now b, c, a");
    ModelsReply d = acquire("chunk-3", spec("model-d", 30, false));
    compare("model d 30u under pressure", d instanceof ModelsAcquired
        && resident(stats()).equals(Set.of(PRIMARY, "model-a", "model-c", "model-d")),
        "evicts the least recently used b only; resident " + lru(stats()));
    ModelsReply e = acquire("chunk-4", spec("model-e", 30, false));
    compare("model e 30u under pressure", e instanceof ModelsAcquired
        && resident(stats()).equals(Set.of(PRIMARY, "model-d", "model-e")),
        "evicts c then a, by bytes until it fits; resident " + lru(stats()));
    frames.close();
    compare("lease returned", stats().poolLeasedBytes() == 0, "its 16u stay in the pool, idle");
    return p instanceof ModelsAcquired;
  }

  // A reservation of everything that is not pinned: the manager frees idle buffers and evicts every unpinned
  // model, so the device must be back at the baseline plus the pinned primary model.
  private void drain(String step, String owner) {
    long room = budget - 10 * unit;
    ReserveReply r = ask(replyTo -> new Reserve(owner, room, replyTo));
    MemoryStats s = stats();
    compare(step, r instanceof Reserved && resident(s).equals(Set.of(PRIMARY)) && s.poolBytes() == 0,
        "device back to the start + pinned 10u; resident " + lru(s));
    manager.tell(new Release(owner, room));
  }

  private void leaseLoop() {
    int cycles = options.leaseCycles();
    BufferLease warm = lease("loop-warm", 2);
    if (warm == null) {
      table.check("lease/return loop", false, "the warm-up lease was refused");
      return;
    }
    warm.close();
    MemoryStats start = stats();
    long startLevel = level(start);
    long[] nanos = new long[cycles];
    Drift drift = new Drift(startLevel);
    int every = Math.max(1, cycles / 10);
    for (int i = 0; i < cycles; i++) {
      String owner = "loop-" + (i % 8);
      long t0 = System.nanoTime();
      LeaseReply reply = ask(replyTo -> new LeaseBuffers(owner, bufferBytes(), 2, replyTo));
      nanos[i] = System.nanoTime() - t0;
      if (!(reply instanceof BuffersLeased leased)) {
        table.check(cycles + " lease/return cycles", false, "cycle " + i + ": " + reason(reply));
        return;
      }
      leased.lease().close();
      if ((i + 1) % every == 0) {
        drift.sample(stats());
      }
    }
    leaseNanos = nanos;
    MemoryStats end = stats();
    long misses = end.poolMisses() - start.poolMisses();
    table.add(drift.row(cycles + " lease/return cycles", misses == 0 && end.poolLeasedBytes() == 0,
        "2 x 2u each; pool misses " + misses + ", max |diff| " + format(drift.maxDiff) + " at 10 checkpoints"));
    table.add(drift.driftRow("no drift over " + cycles + " cycles"));
  }

  private void evictionLoop() {
    int evictions = options.evictions();
    List<ModelSpec> cycle = List.of(spec("cycle-0", 25, false), spec("cycle-1", 25, false),
        spec("cycle-2", 25, false), spec("cycle-3", 25, false));
    // Three fit; the fourth evicts the first and frees the idle buffers the lease loop left: the steady state.
    for (int i = 0; i < 4; i++) {
      ModelsReply r = acquire("cycle-warm", cycle.get(i));
      if (!(r instanceof ModelsAcquired)) {
        table.check("eviction loop", false, "warm-up load of " + cycle.get(i).id() + ": " + reason(r));
        return;
      }
    }
    MemoryStats start = stats();
    Drift drift = new Drift(level(start));
    long[] nanos = new long[evictions];
    int every = Math.max(1, evictions / 10);
    for (int k = 0; k < evictions; k++) {
      String owner = "evict-" + k;
      ModelSpec spec = cycle.get(k % 4); // never resident: each load evicts the least recently used one
      long t0 = System.nanoTime();
      ModelsReply r = ask(replyTo -> new AcquireModels(owner, List.of(spec), replyTo));
      nanos[k] = System.nanoTime() - t0;
      manager.tell(new ReleaseModels(owner));
      if (!(r instanceof ModelsAcquired)) {
        table.check(evictions + " evictions", false, "load " + k + " of " + spec.id() + ": " + reason(r));
        return;
      }
      if ((k + 1) % every == 0) {
        drift.sample(stats());
      }
    }
    evictionNanos = nanos;
    long evicted = stats().evictions() - start.evictions();
    table.add(drift.row(evictions + " evictions", evicted == evictions,
        "4 models of 25u, 3 fit: " + evicted + " evicted, max |diff| " + format(drift.maxDiff)));
    table.add(drift.driftRow("back to the level after evictions"));
  }

  /** Checks that the device gave back what each eviction freed, once the events have arrived. */
  void checkEvictionEvents(List<MemoryEvent> events, long expectedEvictions) {
    List<MemoryEvent.ModelEvicted> evicted = events.stream().filter(MemoryEvent.ModelEvicted.class::isInstance)
        .map(MemoryEvent.ModelEvicted.class::cast).toList();
    long shortfalls = evicted.stream().filter(e -> e.reclaimedBytes() < e.bytes() - tolerance).count();
    table.check("evictions freed device memory", evicted.size() == expectedEvictions && shortfalls == 0,
        evicted.size() + " ModelEvicted events; " + shortfalls + " gave back less than their size per cuMemGetInfo");
  }

  MemoryStats stats() {
    return ask(GetStats::new);
  }

  private BufferLease lease(String owner, int count) {
    LeaseReply r = ask(replyTo -> new LeaseBuffers(owner, bufferBytes(), count, replyTo));
    return r instanceof BuffersLeased leased ? leased.lease() : null;
  }

  private ModelsReply acquire(String owner, ModelSpec... specs) {
    ModelsReply r = ask(replyTo -> new AcquireModels(owner, List.of(specs), replyTo));
    manager.tell(new ReleaseModels(owner));
    return r;
  }

  private ModelSpec spec(String id, int units, boolean primary) {
    return new ModelSpec(id, Path.of("gpu-check", id), units * unit, primary);
  }

  private long level(MemoryStats s) {
    return s.deviceFreeBytes() < 0 ? -1 : base.usedSince(s.deviceFreeBytes());
  }

  private MemoryStats compare(String step, boolean expected, String note) {
    MemoryStats s = stats();
    long accounted = s.modelBytes() + s.poolBytes();
    long device = level(s);
    boolean ok = expected && device >= 0 && Math.abs(device - accounted) <= tolerance;
    table.add(new Row(step, accounted, device, tolerance, ok ? Status.PASS : Status.FAIL,
        expected ? note : "NOT AS EXPECTED: " + note));
    return s;
  }

  private <T> T ask(Function<ActorRef<T>, MemoryManager.Command> message) {
    try {
      return AskPattern.ask(manager, message::apply, TIMEOUT, system.scheduler()).toCompletableFuture()
          .get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the memory manager", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the memory manager did not answer: " + e, e);
    }
  }

  private static Object reason(Object reply) {
    return reply instanceof Rejected r ? "Rejected: " + r.reason() : reply.getClass().getSimpleName();
  }

  private static Set<String> resident(MemoryStats s) {
    return s.models().stream().map(MemoryStats.ResidentModel::modelId).collect(Collectors.toSet());
  }

  /** Resident models, least recently used first. */
  private static List<String> lru(MemoryStats s) {
    return s.models().stream().map(MemoryStats.ResidentModel::modelId).toList();
  }

  private static long bytesOf(MemoryStats s, String model) {
    return s.models().stream().filter(m -> m.modelId().equals(model)).mapToLong(MemoryStats.ResidentModel::bytes)
        .sum();
  }

  /** The books against the device at a loop's checkpoints, and the device level against the loop's start. */
  private final class Drift {
    final long startLevel;
    long maxDiff;
    long maxDrift;
    long lastAccounted;
    long lastLevel;
    boolean measured = true;

    Drift(long startLevel) {
      this.startLevel = startLevel;
      this.lastLevel = startLevel;
    }

    void sample(MemoryStats s) {
      long level = level(s);
      measured &= level >= 0;
      lastAccounted = s.modelBytes() + s.poolBytes();
      lastLevel = level;
      maxDiff = Math.max(maxDiff, Math.abs(level - lastAccounted));
      maxDrift = Math.max(maxDrift, Math.abs(level - startLevel));
    }

    Row row(String step, boolean expected, String note) {
      boolean ok = expected && measured && maxDiff <= tolerance;
      return new Row(step, lastAccounted, lastLevel, tolerance, ok ? Status.PASS : Status.FAIL,
          expected ? note : "NOT AS EXPECTED: " + note);
    }

    // accounted = the device level at the start, device = at the end: the diff column is the drift.
    Row driftRow(String step) {
      boolean ok = measured && maxDrift <= tolerance;
      return new Row(step, startLevel, lastLevel, tolerance, ok ? Status.PASS : Status.FAIL,
          "device level at start vs end; max drift at checkpoints " + format(maxDrift));
    }
  }
}

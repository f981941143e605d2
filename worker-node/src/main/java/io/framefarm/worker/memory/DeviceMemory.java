package io.framefarm.worker.memory;

import static io.framefarm.worker.device.MemorySize.format;

import io.framefarm.worker.device.Device;
import io.framefarm.worker.memory.Grant.Granted;
import io.framefarm.worker.memory.Grant.Refused;
import io.framefarm.worker.memory.MemoryStats.Pressure;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one device's memory manager knows: budget, owners, model cache, buffer pool, leaks.
 *
 * <p>Not thread-safe: its {@link MemoryManager} calls it one command at a time. Models it evicts are
 * closed here, on that thread, before anything that needs their memory is loaded.
 */
final class DeviceMemory {

  // Within this much of the model's size, cuMemGetInfo agrees the memory came back (driver page granularity, other
  // processes).
  private static final double RECLAIM_TOLERANCE = 0.9;
  private static final Logger log = LoggerFactory.getLogger(DeviceMemory.class);

  private final Device device;
  private final String deviceId;
  private final ModelLoader loader;
  private final Consumer<MemoryEvent> events;
  private final Clock clock;
  private final MemoryBudget budget;
  private final OwnerAccounts accounts;
  private final ModelCache models;
  private final BufferPool pool;
  private final LeakTracker leaks;
  private final Map<String, LeakTracker.Trace> reservationTraces = new HashMap<>();
  private Pressure pressure = Pressure.NORMAL;
  private long hits;
  private long misses;

  DeviceMemory(Device device, MemoryConfig config, ModelLoader loader, Consumer<MemoryEvent> events, Clock clock) {
    this.device = device;
    this.deviceId = device.id();
    this.loader = loader;
    this.events = events;
    this.clock = clock;
    this.budget = MemoryBudget.of(config.budgetBytes(), device.totalBytes(), config.budgetFraction(),
        config.highWatermark(), config.lowWatermark());
    this.accounts = new OwnerAccounts(budget);
    this.models = new ModelCache(accounts, clock);
    this.pool = new BufferPool(device, accounts);
    this.leaks = new LeakTracker(config.trackingLevel(), clock);
  }

  /** Loads (if needed) and pins models every chunk on this device needs. */
  Grant<List<ModelHandle>> loadPrimary(List<ModelSpec> specs) {
    return acquire(Owner.PRIMARY_MODELS, specs, true);
  }

  /** Grants {@code owner} all of {@code specs}, loading the missing ones, or none of them. */
  Grant<List<ModelHandle>> acquire(String owner, List<ModelSpec> specs) {
    return isChunkOwner(owner) ? acquire(new Owner.Chunk(owner), specs, false) : badOwner(owner);
  }

  private Grant<List<ModelHandle>> acquire(Owner owner, List<ModelSpec> requested, boolean pin) {
    Map<String, ModelSpec> byId = new LinkedHashMap<>();
    requested.forEach(spec -> byId.putIfAbsent(spec.id(), spec));
    List<ModelSpec> specs = List.copyOf(byId.values());
    Set<String> keep = byId.keySet();
    List<ModelSpec> missing = specs.stream().filter(s -> !models.isResident(s.id())).toList();
    long need = missing.stream().mapToLong(models::expectedBytes).sum();
    long total = specs.stream().mapToLong(models::expectedBytes).sum();
    String what = "models " + specs.stream().map(s -> s.id() + " (" + format(models.expectedBytes(s)) + ")")
        .collect(Collectors.joining(", "));
    long pinnedElsewhere = models.pinnedBytes(keep);
    if (total > budget.limitBytes() - pinnedElsewhere) {
      return refuse(owner.name(), total, neverFits(what, total, pinnedElsewhere), false);
    }
    Refused<List<ModelHandle>> busy = makeRoom(owner.name(), what, need, keep, 0, 0);
    if (busy != null) {
      return busy;
    }
    for (ModelSpec spec : missing) {
      Refused<List<ModelHandle>> failed = load(owner, spec, keep);
      if (failed != null) {
        return failed;
      }
    }
    List<ModelHandle> handles = new ArrayList<>(specs.size());
    for (ModelSpec spec : specs) {
      handles.add(pin ? models.pin(spec.id()) : models.use(owner.name(), spec.id()));
    }
    misses += missing.size();
    hits += specs.size() - missing.size();
    return new Granted<>(List.copyOf(handles));
  }

  // Room for the estimate has been made; this corrects it to what the model really takes.
  private <T> Refused<T> load(Owner owner, ModelSpec spec, Set<String> keep) {
    long expected = models.expectedBytes(spec);
    models.reserveForLoad(spec, expected);
    long started = System.nanoTime();
    LoadedModel model;
    try {
      model = loader.load(spec);
      if (model == null) {
        throw new IllegalStateException("the loader returned no model");
      }
    } catch (Exception e) {
      models.cancelLoad(spec);
      log.warn("Loading {} on {} failed", spec.id(), deviceId, e);
      return refuse(owner.name(), expected, "loading model " + spec.id() + " from " + spec.path() + " failed: "
          + e.getMessage(), false);
    }
    long loadMillis = (System.nanoTime() - started) / 1_000_000;
    long excess = model.bytes() - expected;
    if (excess > 0 && !budget.fits(excess)) {
      String what = "model " + spec.id() + " measured " + format(model.bytes()) + " against its estimate of "
          + format(expected)
          + ", and the extra " + format(excess);
      Refused<T> busy = makeRoom(owner.name(), what, excess, keep, 0, 0);
      if (busy != null) {
        closeQuietly(spec.id(), model);
        models.cancelLoad(spec);
        return busy;
      }
    }
    models.admit(spec, model);
    log.info("Loaded {} ({}, estimated {}) on {} in {} ms", spec.id(), format(model.bytes()), format(expected),
        deviceId, loadMillis);
    events.accept(new MemoryEvent.ModelLoaded(deviceId, spec.id(), model.bytes(), expected, loadMillis,
        owner instanceof Owner.PrimaryModels));
    return null;
  }

  /** Ends {@code owner}'s use of every model it acquired. */
  void releaseModels(String owner) {
    models.releaseUses(owner);
  }

  /** Lends {@code owner} {@code count} buffers of {@code bytesEach}, reusing idle ones first. */
  Grant<BufferLease> lease(String owner, long bytesEach, int count, Throwable site, Consumer<BufferLease> onClose) {
    if (!isChunkOwner(owner)) {
      return badOwner(owner);
    }
    if (bytesEach <= 0 || count <= 0) {
      return refuse(owner, 0, "a lease needs at least one buffer of at least one byte, asked for " + count + " of "
          + bytesEach, false);
    }
    String what = count + " buffer(s) of " + format(bytesEach);
    long total = bytesEach > Long.MAX_VALUE / count ? Long.MAX_VALUE : bytesEach * count;
    long pinned = models.pinnedBytes(Set.of());
    if (total > budget.limitBytes() - pinned) {
      return refuse(owner, total, neverFits(what, total, pinned), false);
    }
    int reused = Math.min(pool.idleCount(bytesEach), count);
    long need = bytesEach * (count - reused);
    Refused<BufferLease> busy = makeRoom(owner, what, need, Set.of(), bytesEach, reused);
    if (busy != null) {
      return busy;
    }
    try {
      return new Granted<>(pool.lease(owner, bytesEach, count, leaks.trace(site), onClose));
    } catch (RuntimeException e) {
      log.warn("{} refused {} for {}", deviceId, what, owner, e);
      return refuse(owner, need, deviceId + " refused allocating " + what + ": " + e.getMessage(),
          !(e instanceof IllegalArgumentException));
    }
  }

  /** Takes back a lease its holder closed; false if it was not out. */
  boolean giveBack(BufferLease lease) {
    return pool.giveBack(lease);
  }

  /** Reserves {@code bytes} for {@code owner}'s own use (runtime working memory, outputs). */
  Grant<Long> reserve(String owner, long bytes, Throwable site) {
    if (!isChunkOwner(owner)) {
      return badOwner(owner);
    }
    if (bytes <= 0) {
      return refuse(owner, bytes, "a reservation must be positive, asked for " + bytes, false);
    }
    String what = "a reservation of " + format(bytes);
    long pinned = models.pinnedBytes(Set.of());
    if (bytes > budget.limitBytes() - pinned) {
      return refuse(owner, bytes, neverFits(what, bytes, pinned), false);
    }
    Refused<Long> busy = makeRoom(owner, what, bytes, Set.of(), 0, 0);
    if (busy != null) {
      return busy;
    }
    accounts.reserve(new Owner.Chunk(owner), MemoryCategory.OTHER, bytes);
    reservationTraces.computeIfAbsent(owner, o -> leaks.trace(site));
    return new Granted<>(bytes);
  }

  /** @throws IllegalStateException if {@code owner} reserved less than {@code bytes} */
  void release(String owner, long bytes) {
    Owner chunk = new Owner.Chunk(owner);
    accounts.release(chunk, MemoryCategory.OTHER, bytes);
    if (accounts.reservedBy(chunk, MemoryCategory.OTHER) == 0) {
      reservationTraces.remove(owner);
    }
  }

  /** Releases everything {@code owner} held; what it had not given back is reported as leaked. Returns the leaks. */
  int finishOwner(String owner) {
    models.releaseUses(owner);
    int leaked = 0;
    for (BufferLease lease : pool.leasesOf(owner)) {
      if (!pool.takeBack(lease)) {
        events.accept(leaks.leaked(deviceId, owner, "buffers", lease.bytes(), lease.trace()));
        leaked++;
      }
    }
    Owner chunk = new Owner.Chunk(owner);
    long reserved = accounts.reservedBy(chunk, MemoryCategory.OTHER);
    if (reserved > 0) {
      accounts.release(chunk, MemoryCategory.OTHER, reserved);
      events.accept(leaks.leaked(deviceId, owner, "reservation", reserved, reservationTraces.get(owner)));
      leaked++;
    }
    reservationTraces.remove(owner);
    return leaked;
  }

  /**
   * Trims idle buffers to the low watermark; above the high watermark also evicts unused models
   * down to it. Returns the bytes freed.
   */
  long cleanup(String reason) {
    long before = budget.usedBytes();
    if (!budget.atOrBelowLowWatermark()) {
      pool.trimTo(budget.lowWatermarkBytes());
    }
    if (budget.aboveHighWatermark()) {
      models.evict(budget.usedBytes() - budget.lowWatermarkBytes(), Set.of())
          .forEach(e -> dispose(e, "cleanup (" + reason + ")"));
    }
    long freed = before - budget.usedBytes();
    if (freed > 0) {
      log.debug("Cleanup ({}) freed {} on {}", reason, format(freed), deviceId);
    }
    updatePressure();
    return freed;
  }

  /** Reports a crossing of the high watermark, or the return to the low one. */
  void updatePressure() {
    Pressure now = pressure;
    if (pressure == Pressure.NORMAL && budget.aboveHighWatermark()) {
      now = Pressure.HIGH;
    } else if (pressure == Pressure.HIGH && budget.atOrBelowLowWatermark()) {
      now = Pressure.NORMAL;
    }
    if (now != pressure) {
      pressure = now;
      log.info("Memory pressure {} on {}: {} of {} used", now, deviceId, format(budget.usedBytes()),
          format(budget.limitBytes()));
      events.accept(new MemoryEvent.MemoryPressure(deviceId, now, budget.usedBytes(), budget.limitBytes()));
    }
  }

  boolean aboveHighWatermark() {
    return budget.aboveHighWatermark();
  }

  MemoryStats stats() {
    long deviceFree;
    try {
      deviceFree = device.freeBytes();
    } catch (RuntimeException e) {
      deviceFree = -1;
    }
    return new MemoryStats(deviceId, clock.millis(), budget.limitBytes(), budget.usedBytes(), budget.freeBytes(),
        budget.peakBytes(), accounts.total(MemoryCategory.MODELS), accounts.total(MemoryCategory.POOL),
        pool.leasedBytes(), accounts.total(MemoryCategory.OTHER), models.residentInLruOrder(), models.loads(),
        models.evictions(), hits, misses,
        pool.hits(), pool.misses(), pool.buffersFreed(), leaks.leaks(), pressure, device.totalBytes(), deviceFree,
        budget.highWatermarkBytes(), budget.lowWatermarkBytes());
  }

  /**
   * What {@code owner} lost when its manager restarted: {@code what} (buffers, reservation, models in use),
   * {@code bytes}.
   */
  record Reclaimed(String owner, String what, long bytes) {}

  /**
   * Frees everything, as {@link #close()}, for a manager that failed and restarts with empty books;
   * returns what each chunk still held. Leases are invalidated, so their holders cannot use them.
   */
  List<Reclaimed> reclaimAll() {
    List<Reclaimed> reclaimed = new ArrayList<>();
    models.bytesInUseByOwner().forEach((owner, bytes) -> reclaimed.add(new Reclaimed(owner, "models in use", bytes)));
    accounts.held(MemoryCategory.OTHER).forEach((owner, bytes) -> reclaimed.add(new Reclaimed(owner.name(),
        "reservation", bytes)));
    Map<String, Long> leased = new LinkedHashMap<>();
    for (BufferLease lease : pool.close()) {
      leased.merge(lease.owner(), lease.bytes(), Long::sum);
    }
    leased.forEach((owner, bytes) -> reclaimed.add(new Reclaimed(owner, "buffers", bytes)));
    models.clear().forEach(e -> closeQuietly(e.spec().id(), e.model()));
    reservationTraces.clear();
    return reclaimed;
  }

  /** Frees everything, models in use and leases out too, for a manager that is stopping. */
  void close() {
    List<BufferLease> out = pool.close();
    if (!out.isEmpty()) {
      log.warn("{} stopped with {} lease(s) still out; their buffers are freed", deviceId, out.size());
    }
    models.clear().forEach(e -> closeQuietly(e.spec().id(), e.model()));
  }

  private <T> Refused<T> makeRoom(String owner, String what, long need, Set<String> keepModels, long keepSize,
      int keepCount) {
    if (budget.fits(need)) {
      return null;
    }
    long reclaimable = pool.idleBytes() - keepSize * keepCount + models.evictableBytes(keepModels);
    if (need > budget.freeBytes() + reclaimable) {
      return refuse(owner, need, what + " need " + format(need) + " more; " + deviceId + " has "
          + format(budget.freeBytes()) + " free and " + format(reclaimable) + " reclaimable of its "
          + format(budget.limitBytes()) + " budget, the rest held by running chunks (models in use "
          + format(models.inUseBytes()) + ", leased buffers " + format(pool.leasedBytes()) + ", reservations "
          + format(accounts.total(MemoryCategory.OTHER)) + ")", true);
    }
    long shortfall = need - budget.freeBytes();
    shortfall -= pool.freeIdle(shortfall, keepSize, keepCount);
    if (shortfall > 0) {
      models.evict(shortfall, keepModels).forEach(e -> dispose(e, "room for " + what + " of " + owner));
    }
    return null;
  }

  private String neverFits(String what, long total, long pinned) {
    return what + " need " + format(total) + " but " + deviceId + "'s budget is " + format(budget.limitBytes())
        + (pinned > 0 ? ", " + format(pinned) + " of it pinned by primary models" : "") + ": can never fit";
  }

  private <T> Refused<T> refuse(String owner, long bytes, String reason, boolean retryable) {
    log.info("Refused {} on {}: {}", owner, deviceId, reason);
    events.accept(new MemoryEvent.AllocationRejected(deviceId, owner, bytes, reason, retryable));
    return new Refused<>(bytes, reason, retryable);
  }

  // On CUDA, cuMemGetInfo before and after says whether closing the session gave the memory back.
  private void dispose(EvictedModel evicted, String reason) {
    String id = evicted.spec().id();
    boolean measured = device.kind() == Device.Kind.CUDA;
    long freeBefore = measured ? device.freeBytes() : 0;
    closeQuietly(id, evicted.model());
    long reclaimed = measured ? device.freeBytes() - freeBefore : -1;
    if (measured && reclaimed < evicted.bytes() * RECLAIM_TOLERANCE) {
      log.warn("Evicted {} from {} but only {} of its {} came back (cuMemGetInfo)", id, deviceId,
          format(Math.max(0, reclaimed)), format(evicted.bytes()));
    } else {
      log.info("Evicted {} ({}) from {} for {}", id, format(evicted.bytes()), deviceId, reason);
    }
    events.accept(new MemoryEvent.ModelEvicted(deviceId, id, evicted.bytes(), reclaimed, reason));
  }

  private void closeQuietly(String modelId, LoadedModel model) {
    try {
      model.close();
    } catch (RuntimeException e) {
      log.error("Closing model {} on {} failed", modelId, deviceId, e);
    }
  }

  // Any name will do: the cache and the pool hold their bytes as owners of their own kind (Owner), which no chunk name
  // can be.
  private static boolean isChunkOwner(String owner) {
    return owner != null && !owner.isBlank();
  }

  private <T> Refused<T> badOwner(String owner) {
    return refuse(String.valueOf(owner), 0, "'" + owner + "' cannot own memory: a chunk needs a name", false);
  }
}

package io.framefarm.worker.memory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The models resident on one device, least recently used first, with their bytes charged to the
 * budget under its own {@link Owner.Model}.
 *
 * <p>A hand-written LRU rather than Caffeine: Caffeine evicts asynchronously on its own schedule, is
 * not strictly least-recently-used, and may evict an entry a running chunk still uses. Here eviction
 * happens only when the memory manager asks for room, strictly in access order, by bytes, skipping
 * pinned and in-use models, and the evicted models are returned to the caller, which closes them on
 * the memory manager's thread before anything else is loaded.
 */
final class ModelCache {

  private final OwnerAccounts accounts;
  private final Clock clock;
  // Access order: every get() moves the entry to the most recently used end.
  private final LinkedHashMap<String, Entry> resident = new LinkedHashMap<>(16, 0.75f, true);
  // Sizes seen at load, kept after eviction: the next load reserves what the model really took.
  private final Map<String, Long> measuredBytes = new HashMap<>();
  private long loads;
  private long evictions;

  ModelCache(OwnerAccounts accounts, Clock clock) {
    this.accounts = accounts;
    this.clock = clock;
  }

  boolean isResident(String modelId) {
    return resident.containsKey(modelId); // containsKey does not touch the access order
  }

  /** Bytes the model takes: what it took when last loaded, else its estimate. */
  long expectedBytes(ModelSpec spec) {
    // Not resident.get(): a lookup must not count as a use. A resident model's bytes are its measured bytes.
    return measuredBytes.getOrDefault(spec.id(), spec.estimatedBytes());
  }

  /** Charges {@code bytes} for a model about to load, so nothing else takes the room meanwhile. */
  void reserveForLoad(ModelSpec spec, long bytes) {
    accounts.reserve(new Owner.Model(spec.id()), MemoryCategory.MODELS, bytes);
  }

  /** Bytes reserved for a model being loaded or resident. */
  long reservedFor(ModelSpec spec) {
    return accounts.reservedBy(new Owner.Model(spec.id()), MemoryCategory.MODELS);
  }

  /** Undoes {@link #reserveForLoad} after a failed load. */
  void cancelLoad(ModelSpec spec) {
    accounts.releaseAll(new Owner.Model(spec.id()));
  }

  /**
   * Adds a loaded model, correcting its reservation to {@link LoadedModel#bytes()}. The caller has
   * made room for any excess over what it reserved.
   */
  void admit(ModelSpec spec, LoadedModel model) {
    long actual = model.bytes();
    long reserved = reservedFor(spec);
    if (actual > reserved) {
      accounts.reserve(new Owner.Model(spec.id()), MemoryCategory.MODELS, actual - reserved);
    } else if (actual < reserved) {
      accounts.release(new Owner.Model(spec.id()), MemoryCategory.MODELS, reserved - actual);
    }
    measuredBytes.put(spec.id(), actual);
    resident.put(spec.id(), new Entry(spec, model, actual, clock.millis()));
    loads++;
  }

  /** Marks a resident model used by {@code owner} (once more) and makes it the most recently used. */
  ModelHandle use(String owner, String modelId) {
    Entry entry = require(modelId);
    entry.users.merge(owner, 1, Integer::sum);
    entry.lastUsedMillis = clock.millis();
    return new ModelHandle(entry.spec, entry.model);
  }

  /** Pins a resident model (once more) so it is never evicted; primary models stay pinned. */
  ModelHandle pin(String modelId) {
    Entry entry = require(modelId);
    entry.pins++;
    entry.lastUsedMillis = clock.millis();
    return new ModelHandle(entry.spec, entry.model);
  }

  /** Drops every use {@code owner} made of any model; returns how many models it was using. */
  int releaseUses(String owner) {
    int released = 0;
    for (Entry entry : resident.values()) { // iterating values does not touch the access order
      if (entry.users.remove(owner) != null) {
        released++;
      }
    }
    return released;
  }

  /** Bytes of pinned models other than {@code except}: memory no request can ever get. */
  long pinnedBytes(Set<String> except) {
    return resident.values().stream().filter(e -> e.pins > 0 && !except.contains(e.spec.id())).mapToLong(e -> e.bytes)
        .sum();
  }

  long inUseBytes() {
    return resident.values().stream().filter(e -> !e.users.isEmpty()).mapToLong(e -> e.bytes).sum();
  }

  /** Every owner using a model, with the bytes of the models it uses. */
  Map<String, Long> bytesInUseByOwner() {
    Map<String, Long> inUse = new LinkedHashMap<>();
    for (Entry entry : resident.values()) {
      entry.users.keySet().forEach(owner -> inUse.merge(owner, entry.bytes, Long::sum));
    }
    return inUse;
  }

  /** Bytes that eviction could free, keeping {@code keep}. */
  long evictableBytes(Set<String> keep) {
    return resident.values().stream().filter(e -> e.evictable(keep)).mapToLong(e -> e.bytes).sum();
  }

  /**
   * Evicts least-recently-used models that are unpinned, unused and not in {@code keep} until
   * {@code bytes} are freed or none is left; returns them for the caller to close.
   */
  List<EvictedModel> evict(long bytes, Set<String> keep) {
    List<EvictedModel> evicted = new ArrayList<>();
    long freed = 0;
    for (Iterator<Entry> it = resident.values().iterator(); it.hasNext() && freed < bytes; ) {
      Entry entry = it.next();
      if (entry.evictable(keep)) {
        it.remove();
        accounts.releaseAll(new Owner.Model(entry.spec.id()));
        evicted.add(new EvictedModel(entry.spec, entry.model, entry.bytes));
        freed += entry.bytes;
        evictions++;
      }
    }
    return evicted;
  }

  /** Removes every model, pinned and in use too, for a memory manager that is stopping. */
  List<EvictedModel> clear() {
    List<EvictedModel> all = new ArrayList<>();
    for (Entry entry : resident.values()) {
      accounts.releaseAll(new Owner.Model(entry.spec.id()));
      all.add(new EvictedModel(entry.spec, entry.model, entry.bytes));
    }
    resident.clear();
    return all;
  }

  /** Resident models, least recently used first. */
  List<MemoryStats.ResidentModel> residentInLruOrder() {
    List<MemoryStats.ResidentModel> models = new ArrayList<>(resident.size());
    for (Entry e : resident.values()) {
      models.add(new MemoryStats.ResidentModel(e.spec.id(), e.bytes, e.lastUsedMillis, e.pins, e.users.size()));
    }
    return models;
  }

  long loads() {
    return loads;
  }

  long evictions() {
    return evictions;
  }

  private Entry require(String modelId) {
    Entry entry = resident.get(modelId);
    if (entry == null) {
      throw new IllegalStateException("model " + modelId + " is not resident");
    }
    return entry;
  }

  private static final class Entry {
    final ModelSpec spec;
    final LoadedModel model;
    final long bytes;
    final Map<String, Integer> users = new HashMap<>();
    int pins;
    long lastUsedMillis;

    Entry(ModelSpec spec, LoadedModel model, long bytes, long lastUsedMillis) {
      this.spec = spec;
      this.model = model;
      this.bytes = bytes;
      this.lastUsedMillis = lastUsedMillis;
    }

    boolean evictable(Set<String> keep) {
      return pins == 0 && users.isEmpty() && !keep.contains(spec.id());
    }
  }
}

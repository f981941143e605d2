package io.framefarm.worker.memory;

import io.framefarm.worker.device.MemorySize;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reservations against one budget, by owner and category, so that one {@link #releaseAll} frees
 * everything a failed chunk held.
 */
final class OwnerAccounts {

  private final MemoryBudget budget;
  private final Map<Owner, EnumMap<MemoryCategory, Long>> byOwner = new HashMap<>();
  private final EnumMap<MemoryCategory, Long> byCategory = new EnumMap<>(MemoryCategory.class);

  OwnerAccounts(MemoryBudget budget) {
    this.budget = budget;
    for (MemoryCategory category : MemoryCategory.values()) {
      byCategory.put(category, 0L);
    }
  }

  MemoryBudget budget() {
    return budget;
  }

  /** Reserves {@code bytes} for {@code owner} as {@link MemoryCategory#OTHER}. */
  void reserve(Owner owner, long bytes) {
    reserve(owner, MemoryCategory.OTHER, bytes);
  }

  /** @throws IllegalStateException if it does not fit the budget: callers make room first */
  void reserve(Owner owner, MemoryCategory category, long bytes) {
    budget.reserve(bytes);
    byOwner.computeIfAbsent(owner, o -> new EnumMap<>(MemoryCategory.class)).merge(category, bytes, Long::sum);
    byCategory.merge(category, bytes, Long::sum);
  }

  /** Releases {@code bytes} of {@code owner}'s {@link MemoryCategory#OTHER} reservation. */
  void release(Owner owner, long bytes) {
    release(owner, MemoryCategory.OTHER, bytes);
  }

  /** @throws IllegalStateException if {@code owner} holds less than {@code bytes} in {@code category} */
  void release(Owner owner, MemoryCategory category, long bytes) {
    long held = reservedBy(owner, category);
    if (bytes > held) {
      throw new IllegalStateException(owner.name() + " releases " + MemorySize.format(bytes) + " (" + bytes
          + " bytes) of " + category + " but holds " + MemorySize.format(held) + " (" + held + " bytes)");
    }
    budget.release(bytes);
    byCategory.merge(category, -bytes, Long::sum);
    EnumMap<MemoryCategory, Long> ownerAccount = byOwner.get(owner);
    if (held == bytes) {
      ownerAccount.remove(category);
      if (ownerAccount.isEmpty()) {
        byOwner.remove(owner);
      }
    } else {
      ownerAccount.put(category, held - bytes);
    }
  }

  /** Releases everything {@code owner} holds; returns the bytes released. */
  long releaseAll(Owner owner) {
    EnumMap<MemoryCategory, Long> held = byOwner.remove(owner);
    if (held == null) {
      return 0;
    }
    long total = 0;
    for (Map.Entry<MemoryCategory, Long> e : held.entrySet()) {
      budget.release(e.getValue());
      byCategory.merge(e.getKey(), -e.getValue(), Long::sum);
      total += e.getValue();
    }
    return total;
  }

  long reservedBy(Owner owner) {
    EnumMap<MemoryCategory, Long> held = byOwner.get(owner);
    return held == null ? 0 : held.values().stream().mapToLong(Long::longValue).sum();
  }

  long reservedBy(Owner owner, MemoryCategory category) {
    EnumMap<MemoryCategory, Long> held = byOwner.get(owner);
    return held == null ? 0 : held.getOrDefault(category, 0L);
  }

  /** Every owner holding some of {@code category}, with its bytes. */
  Map<Owner, Long> held(MemoryCategory category) {
    Map<Owner, Long> held = new LinkedHashMap<>();
    byOwner.forEach((owner, account) -> {
      long bytes = account.getOrDefault(category, 0L);
      if (bytes > 0) {
        held.put(owner, bytes);
      }
    });
    return held;
  }

  long total(MemoryCategory category) {
    return byCategory.get(category);
  }

  long usedBytes() {
    return budget.usedBytes();
  }

  int owners() {
    return byOwner.size();
  }
}

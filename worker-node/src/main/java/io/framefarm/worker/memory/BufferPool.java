package io.framefarm.worker.memory;

import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.DeviceAllocation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Frame-sized buffers allocated once on a device and lent to chunks, so the per-frame path never
 * allocates. Every buffer, idle or leased, is charged to the budget under {@link Owner#BUFFER_POOL}; a lease
 * moves buffers between idle and leased without touching the budget.
 */
final class BufferPool {

  private final Device device;
  private final OwnerAccounts accounts;
  // Idle buffers by size; sizes in first-use order so trimming frees the oldest sizes first.
  private final Map<Long, ArrayDeque<DeviceAllocation>> idle = new LinkedHashMap<>();
  private final Map<Long, BufferLease> leases = new LinkedHashMap<>();
  private long nextLeaseId = 1;
  private long idleBytes;
  private long leasedBytes;
  private long hits;
  private long misses;
  private long freed;

  BufferPool(Device device, OwnerAccounts accounts) {
    this.device = device;
    this.accounts = accounts;
  }

  int idleCount(long bytesEach) {
    ArrayDeque<DeviceAllocation> buffers = idle.get(bytesEach);
    return buffers == null ? 0 : buffers.size();
  }

  /**
   * Lends {@code count} buffers of {@code bytesEach}, idle ones first. The caller has made room in
   * the budget for the ones that must be allocated.
   *
   * @throws RuntimeException from the device if it refuses an allocation; nothing is lent then
   */
  BufferLease lease(String owner, long bytesEach, int count, LeakTracker.Trace trace, Consumer<BufferLease> onClose) {
    List<DeviceAllocation> taken = new ArrayList<>(count);
    ArrayDeque<DeviceAllocation> ready = idle.getOrDefault(bytesEach, new ArrayDeque<>());
    while (taken.size() < count && !ready.isEmpty()) {
      taken.add(ready.pop());
      idleBytes -= bytesEach;
    }
    int reused = taken.size();
    try {
      while (taken.size() < count) {
        accounts.reserve(Owner.BUFFER_POOL, MemoryCategory.POOL, bytesEach);
        try {
          taken.add(device.allocate(bytesEach));
        } catch (RuntimeException e) {
          accounts.release(Owner.BUFFER_POOL, MemoryCategory.POOL, bytesEach);
          throw e;
        }
      }
    } catch (RuntimeException e) {
      taken.forEach(this::putIdle); // what was allocated stays in the pool for the next lease
      throw e;
    }
    hits += reused;
    misses += count - reused;
    for (DeviceAllocation buffer : taken) {
      if (buffer.hostAddressable()) {
        buffer.buffer().clear();
      }
    }
    BufferLease lease = new BufferLease(nextLeaseId++, owner, device.id(), bytesEach, taken, trace, onClose);
    leases.put(lease.id(), lease);
    leasedBytes += lease.bytes();
    return lease;
  }

  /** Takes a lease's buffers back; false if it is not out (already returned, reclaimed or not this pool's). */
  boolean giveBack(BufferLease lease) {
    if (leases.get(lease.id()) != lease) {
      return false;
    }
    takeBack(lease);
    return true;
  }

  /** Leases {@code owner} still holds. */
  List<BufferLease> leasesOf(String owner) {
    List<BufferLease> held = new ArrayList<>();
    for (BufferLease lease : leases.values()) {
      if (lease.owner().equals(owner)) {
        held.add(lease);
      }
    }
    return held;
  }

  /**
   * Returns a lease's buffers to idle and invalidates it, whether or not its holder closed it;
   * returns whether the holder had (false means the lease leaked).
   */
  boolean takeBack(BufferLease lease) {
    leases.remove(lease.id());
    leasedBytes -= lease.bytes();
    lease.allocations().forEach(this::putIdle);
    return lease.invalidate();
  }

  /**
   * Frees idle buffers until {@code bytes} are freed or none is left, sparing {@code keepCount}
   * buffers of {@code keepSize} (the ones a lease being prepared will reuse). Returns bytes freed.
   */
  long freeIdle(long bytes, long keepSize, int keepCount) {
    long released = 0;
    for (Iterator<Map.Entry<Long, ArrayDeque<DeviceAllocation>>> it = idle.entrySet().iterator(); it.hasNext()
        && released < bytes; ) {
      Map.Entry<Long, ArrayDeque<DeviceAllocation>> sized = it.next();
      int spare = sized.getKey() == keepSize ? keepCount : 0;
      while (sized.getValue().size() > spare && released < bytes) {
        released += free(sized.getValue().pop());
      }
      if (sized.getValue().isEmpty()) {
        it.remove();
      }
    }
    return released;
  }

  /** Frees idle buffers until the budget's use is at most {@code usedBytes}; returns bytes freed. */
  long trimTo(long usedBytes) {
    long excess = accounts.usedBytes() - usedBytes;
    return excess > 0 ? freeIdle(excess, 0, 0) : 0;
  }

  /** Frees every buffer, leased ones too; returns the leases that were still out. */
  List<BufferLease> close() {
    List<BufferLease> out = List.copyOf(leases.values());
    out.forEach(this::takeBack);
    freeIdle(Long.MAX_VALUE, 0, 0);
    return out;
  }

  long idleBytes() {
    return idleBytes;
  }

  long leasedBytes() {
    return leasedBytes;
  }

  int leaseCount() {
    return leases.size();
  }

  long hits() {
    return hits;
  }

  long misses() {
    return misses;
  }

  long buffersFreed() {
    return freed;
  }

  private void putIdle(DeviceAllocation buffer) {
    idle.computeIfAbsent(buffer.bytes(), size -> new ArrayDeque<>()).push(buffer);
    idleBytes += buffer.bytes();
  }

  private long free(DeviceAllocation buffer) {
    buffer.close();
    accounts.release(Owner.BUFFER_POOL, MemoryCategory.POOL, buffer.bytes());
    idleBytes -= buffer.bytes();
    freed++;
    return buffer.bytes();
  }
}

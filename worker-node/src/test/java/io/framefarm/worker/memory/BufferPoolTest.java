package io.framefarm.worker.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BufferPoolTest {

  private final RecordingDevice device = new RecordingDevice(100_000);
  private final OwnerAccounts accounts = new OwnerAccounts(MemoryBudget.of(0, 100_000, 1.0, 0.9, 0.75));
  private final BufferPool pool = new BufferPool(device, accounts);
  private final LeakTracker leaks = new LeakTracker(TrackingLevel.OFF, new MutableClock());
  private final List<BufferLease> closed = new ArrayList<>();

  @AfterEach
  void nothingIsStillReserved() {
    pool.close();
    assertThat(pool.leasedBytes()).isZero();
    assertThat(accounts.usedBytes()).isZero();
    assertThat(device.allocatedBytes()).isZero();
  }

  @Test
  void allocatesOnceAndReusesBuffersAcrossChunks() {
    BufferLease first = lease("chunk-1", 1_000, 3);
    List<ByteBuffer> buffers = List.of(first.buffer(0), first.buffer(1), first.buffer(2));
    first.buffer(0).putInt(42);
    assertThat(pool.giveBack(first)).isTrue();

    BufferLease second = lease("chunk-2", 1_000, 3);

    assertThat(List.of(second.buffer(0), second.buffer(1), second.buffer(2)))
        .containsExactlyInAnyOrderElementsOf(buffers);
    assertThat(second.buffer(0).position()).as("cleared for the next chunk").isZero();
    assertThat(device.allocations()).isEqualTo(3);
    assertThat(pool.misses()).isEqualTo(3);
    assertThat(pool.hits()).isEqualTo(3);
    assertThat(accounts.total(MemoryCategory.POOL)).isEqualTo(3_000);
    assertThat(pool.giveBack(second)).isTrue();
  }

  @Test
  void invalidatesALeaseOnceItsBuffersAreBack() {
    BufferLease lease = lease("chunk-1", 1_000, 1);
    pool.giveBack(lease);

    assertThatThrownBy(() -> lease.buffer(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("chunk-1");
    assertThat(pool.giveBack(lease)).as("only once").isFalse();
    lease.close();
    assertThat(closed).as("closing a returned lease tells no one").isEmpty();
  }

  @Test
  void closingALeaseAsksForItsReturnOnce() {
    BufferLease lease = lease("chunk-1", 1_000, 1);
    lease.close();
    lease.close();

    assertThat(closed).containsExactly(lease);
    assertThat(pool.takeBack(lease)).as("its holder had closed it").isTrue();
  }

  @Test
  void freesIdleBuffersOtherSizesFirstSparingTheOnesALeaseWillReuse() {
    pool.giveBack(lease("chunk-1", 1_000, 3));
    pool.giveBack(lease("chunk-2", 2_000, 2));

    long freed = pool.freeIdle(5_000, 1_000, 2);

    assertThat(freed).isEqualTo(5_000);
    assertThat(pool.idleCount(1_000)).isEqualTo(2);
    assertThat(pool.idleCount(2_000)).isZero();
    assertThat(pool.buffersFreed()).isEqualTo(3);
  }

  @Test
  void trimsIdleBuffersDownToATarget() {
    BufferLease kept = lease("chunk-1", 1_000, 2);
    pool.giveBack(lease("chunk-2", 1_000, 5));

    pool.trimTo(4_000);

    assertThat(accounts.usedBytes()).isEqualTo(4_000);
    assertThat(pool.idleCount(1_000)).isEqualTo(2);
    pool.trimTo(0);
    assertThat(accounts.usedBytes()).as("leased buffers are never trimmed").isEqualTo(2_000);
    pool.giveBack(kept);
  }

  @Test
  void lendsNothingWhenTheDeviceRefusesAndKeepsWhatItAllocated() {
    pool.giveBack(lease("chunk-1", 1_000, 1));
    device.failAllocationAfter(1);

    assertThatThrownBy(() -> lease("chunk-2", 1_000, 3)).hasMessageContaining("out of memory");

    assertThat(pool.leasedBytes()).isZero();
    assertThat(pool.leaseCount()).isZero();
    assertThat(pool.idleCount(1_000)).as("the reused one and the one allocated before the failure").isEqualTo(2);
    assertThat(accounts.total(MemoryCategory.POOL)).isEqualTo(2_000);
    assertThat(device.allocatedBytes()).isEqualTo(2_000);
  }

  private BufferLease lease(String owner, long bytesEach, int count) {
    return pool.lease(owner, bytesEach, count, leaks.trace(null), closed::add);
  }
}

package io.framefarm.coordinator.scheduler;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * When each live lease expires. A lease is renewed only by progress (a hung decoder or model must
 * not hold a chunk forever): by frames done or, before the first frame (segment transfer, model
 * loads), for the startup grace. Not journaled: a restart releases every lease anyway.
 *
 * <p>Its life: {@link #leased} when the lease is journaled (the coordinator then cuts the chunk's
 * input, which may take a while: the clock gives it the longer of the timeout and the grace),
 * {@link #assigned} when the worker is told, {@link #progress} as frames are done, {@link #storing}
 * while the result is pulled and checked (it cannot expire then; a pull that stalls for a lease timeout
 * fails instead, see {@code ChunkTransfer#receiveResult}), {@link #ended} when it completes or fails.
 *
 * <p>A slot may hold a second lease, leased ahead while it works on the first: that one has no frames to show
 * until the first ends, so its reports of no frames renew it while its worker holds another lease (it is
 * waiting its turn), and its startup grace counts from the last such report rather than from its assignment.
 */
public final class LeaseClock {
  /** A lease: one attempt at one chunk. */
  public record Lease(String jobId, int chunk, int attempt) {}

  private static final class Timing {
    final String worker;
    long deadlineMillis;
    /** When the worker was sent the chunk; 0 while its input is being cut. */
    long assignedAtMillis;
    /** The last report of no frames while the worker held another lease (waiting its turn); 0 if none. */
    long waitedAtMillis;
    int framesDone;
    boolean storing;

    Timing(String worker, long deadlineMillis) {
      this.worker = worker;
      this.deadlineMillis = deadlineMillis;
    }
  }

  private final Duration timeout;
  private final Duration startupGrace;
  private final Map<Lease, Timing> leases = new HashMap<>();

  public LeaseClock(Duration timeout, Duration startupGrace) {
    this.timeout = timeout;
    this.startupGrace = startupGrace;
  }

  public Duration timeout() {
    return timeout;
  }

  public void leased(Lease lease, String worker, long nowMillis) {
    leases.put(lease, new Timing(worker, nowMillis + Math.max(timeout.toMillis(), startupGrace.toMillis())));
  }

  /** The worker was told: from now on the lease times out unless it makes progress. False if not live. */
  public boolean assigned(Lease lease, long nowMillis) {
    Timing t = leases.get(lease);
    if (t == null) {
      return false;
    }
    t.assignedAtMillis = nowMillis;
    t.deadlineMillis = nowMillis + timeout.toMillis();
    return true;
  }

  /** A progress report; renews the lease if frames advanced, or if none are done yet within the grace. */
  public void progress(Lease lease, int framesDone, long nowMillis) {
    Timing t = leases.get(lease);
    if (t == null) {
      return;
    }
    boolean advanced = framesDone > t.framesDone;
    boolean waiting = framesDone == 0 && t.assignedAtMillis > 0 && holdsAnother(t.worker, lease);
    if (waiting) {
      t.waitedAtMillis = nowMillis;
    }
    boolean starting = framesDone == 0 && t.assignedAtMillis > 0
        && nowMillis - Math.max(t.assignedAtMillis, t.waitedAtMillis) < startupGrace.toMillis();
    if (advanced || waiting || starting) {
      t.framesDone = framesDone;
      t.deadlineMillis = nowMillis + timeout.toMillis();
    }
  }

  /** However long the upload and check of the result take, the lease does not expire meanwhile. */
  public void storing(Lease lease) {
    Timing t = leases.get(lease);
    if (t != null) {
      t.storing = true;
    }
  }

  public void ended(Lease lease) {
    leases.remove(lease);
  }

  public void endedJob(String jobId) {
    leases.keySet().removeIf(l -> l.jobId().equals(jobId));
  }

  public void clear() {
    leases.clear();
  }

  /** Leases past their deadline; never one whose result is being stored. */
  public List<Lease> expired(long nowMillis) {
    return leases.entrySet().stream()
        .filter(e -> !e.getValue().storing && e.getValue().deadlineMillis < nowMillis)
        .map(Map.Entry::getKey).toList();
  }

  /** Leases held by slots of the node at {@code nodeAddress}. */
  public List<Lease> heldOn(String nodeAddress) {
    String prefix = nodeAddress + "/";
    return leases.entrySet().stream().filter(e -> e.getValue().worker.startsWith(prefix))
        .map(Map.Entry::getKey).toList();
  }

  public boolean holds(String worker) {
    return leases.values().stream().anyMatch(t -> t.worker.equals(worker));
  }

  /** How many live leases {@code worker} holds: one, or two with one leased ahead. */
  public int heldBy(String worker) {
    return (int) leases.values().stream().filter(t -> t.worker.equals(worker)).count();
  }

  private boolean holdsAnother(String worker, Lease lease) {
    return leases.entrySet().stream().anyMatch(e -> !e.getKey().equals(lease) && e.getValue().worker.equals(worker));
  }

  /** Frames done under a live lease, 0 if it is not live. */
  public int framesDone(Lease lease) {
    Timing t = leases.get(lease);
    return t == null ? 0 : t.framesDone;
  }

  public int size() {
    return leases.size();
  }
}

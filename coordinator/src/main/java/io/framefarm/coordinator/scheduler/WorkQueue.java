package io.framefarm.coordinator.scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pull scheduler: matches a slot's request for work to the next pending chunk, or parks the
 * request until work appears. Plain Java and not journaled: after a restart it starts empty and
 * fills as slots ask again (they re-ask on a timer).
 *
 * <p>Order: never a chunk whose pipeline cannot fit the device's budget; highest priority first, then
 * a job whose models are all resident on the device (model affinity), then the oldest job, then the
 * lowest chunk. While other workers are around, a worker is not handed back a chunk whose last
 * attempt failed on it, nor any chunk of a job it has failed {@value #WORKER_FAILURES_PER_JOB} times
 * (Flamenco's blocklist): one bad node must not use up a job's attempts.
 *
 * @param <W> what the caller keeps with a parked request (the job manager: the request message itself)
 */
public final class WorkQueue<W> {
  /**
   * A slot's request: its id (full actor path, which starts with its node's address), what the caller
   * keeps with it while parked, and its device.
   */
  public record Request<W>(String workerId, W handle, DeviceFit device) {}

  /** The chunk chosen for a request. */
  public record Pick(String jobId, int chunk) {}

  public static final int WORKER_FAILURES_PER_JOB = 3;

  private final Duration seenWindow;
  /** Requests that found no work, in arrival order; offered again when work appears. */
  private final Map<String, Request<W>> parked = new LinkedHashMap<>();
  /** When each worker last asked: one that asked within the window counts as able to take a retry. */
  private final Map<String, Long> lastSeen = new HashMap<>();
  private long largestBudgetSeen;

  /** @param seenWindow how recently a worker must have asked to count as available for a retry */
  public WorkQueue(Duration seenWindow) {
    this.seenWindow = seenWindow;
  }

  /**
   * Records the request and picks its chunk among {@code jobs} (active jobs with pending chunks or
   * not), or parks it when there is none for this device.
   */
  public Optional<Pick> request(Request<W> request, Collection<? extends SchedulableJob> jobs, long nowMillis) {
    String worker = request.workerId();
    lastSeen.put(worker, nowMillis);
    lastSeen.values().removeIf(seen -> nowMillis - seen > seenWindow.toMillis() * 4);
    largestBudgetSeen = Math.max(largestBudgetSeen, request.device().budgetBytes());
    boolean othersAvailable = lastSeen.entrySet().stream()
        .anyMatch(e -> !e.getKey().equals(worker) && nowMillis - e.getValue() <= seenWindow.toMillis());
    Optional<Pick> pick = pick(request.device(), worker, othersAvailable, jobs);
    if (pick.isEmpty()) {
      parked.put(worker, request);
    } else {
      parked.remove(worker);
    }
    return pick;
  }

  /** The next chunk for {@code device} among {@code jobs}; see the class comment for the order. */
  public static Optional<Pick> pick(DeviceFit device, String worker, boolean avoidFailures,
      Collection<? extends SchedulableJob> jobs) {
    boolean avoid = worker != null && avoidFailures;
    return jobs.stream()
        .filter(j -> device.canHold(j.memoryNeedBytes()))
        .filter(j -> !avoid || j.failuresOn(worker) < WORKER_FAILURES_PER_JOB)
        .sorted(Comparator.comparingInt((SchedulableJob j) -> j.priority()).reversed()
            .thenComparing(j -> !device.holdsAll(j.modelIds()))
            .thenComparingLong(SchedulableJob::sequence))
        .flatMap(j -> j.pendingChunks().stream()
            .filter(c -> !avoid || !worker.equals(c.lastFailedWorker()))
            .map(c -> new Pick(j.id(), c.index())))
        .findFirst();
  }

  /** The parked requests, removed: offer each again (as its own command) now that work appeared. */
  public List<Request<W>> drainParked() {
    List<Request<W>> drained = new ArrayList<>(parked.values());
    parked.clear();
    return drained;
  }

  public boolean hasParked() {
    return !parked.isEmpty();
  }

  public int parkedCount() {
    return parked.size();
  }

  /** A node left: its slots' parked requests go, and they no longer count as available. */
  public void forgetWorkersOn(String nodeAddress) {
    String prefix = nodeAddress + "/";
    parked.keySet().removeIf(w -> w.startsWith(prefix));
    lastSeen.keySet().removeIf(w -> w.startsWith(prefix));
  }

  /** The largest budget of any device that asked for work; 0 before the first request. */
  public long largestBudgetSeen() {
    return largestBudgetSeen;
  }
}

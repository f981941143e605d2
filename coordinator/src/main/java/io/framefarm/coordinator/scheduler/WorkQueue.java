package io.framefarm.coordinator.scheduler;

import io.framefarm.pipeline.Sizes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The pull scheduler: matches a slot's request for work to the next pending chunk, or parks the
 * request until work appears. Plain Java and not journaled: after a restart it starts empty and
 * fills as slots ask again (they re-ask on a timer).
 *
 * <p>Order: never a chunk whose pipeline cannot fit the device's budget; highest priority first, then
 * a job whose models are all resident on the device (model affinity), then a job whose models the fewest
 * other devices hold or are loading (so that devices without them spread over the pipelines instead of
 * each loading every one in turn), then the oldest job, then the lowest chunk.
 *
 * <p>Cold starts wait a little (delay scheduling, as in Zaharia et al., EuroSys 2010): a device that holds none of
 * a job's models does not take that job while it is younger than the cold-start delay and another device holds or
 * is loading those models already; it takes a job of the same priority that it does not have to wait for, or
 * parks until the delay has passed ({@link #request} says until when). The next submissions, often of other
 * pipelines, come meanwhile: each device then loads one pipeline's models instead of all of them loading the first
 * job's. Jobs older than the delay, and jobs whose models no device holds, are taken at once, so apart from that
 * wait the order never leaves a device idle while a job it can run has a chunk pending. A worker that failed
 * {@value #WORKER_FAILURES_PER_JOB} attempts of a job is blocked from it (Flamenco's blocklist): one bad
 * node must not use up a job's attempts. While other workers are around, a worker is not handed back a
 * chunk whose last attempt failed on it either.
 * {@link #blockage} says why no current worker can take a job: none has asked yet, none is big enough,
 * or every one is too small or blocked.
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

  /** Why no current worker can take a job's pending chunks, with one reason per worker (or one in all). */
  public record Blockage(Cause cause, List<String> reasons) {
    public Blockage {
      reasons = List.copyOf(reasons);
    }

    public enum Cause {
      /** No worker has asked for work (lately). */
      NO_WORKERS,
      /** Every worker's device is too small for the pipeline. */
      TOO_SMALL,
      /** Every worker is too small or blocked from the job, and at least one is blocked. */
      BLOCKED
    }
  }

  public static final int WORKER_FAILURES_PER_JOB = 3;

  private final Duration seenWindow;
  private final Placement placement;
  private final long coldStartDelayMillis;
  /** When the latest request that waited out a cold start may be offered again (epoch millis); 0 if none waited. */
  private long deferredUntilMillis;
  private final java.util.Random random = new java.util.Random();
  /** Requests that found no work, in arrival order; offered again when work appears. */
  private final Map<String, Request<W>> parked = new LinkedHashMap<>();
  /**
   * Every worker that asked and whose node has not left: when it last asked and its device. One that asked
   * within the window counts as able to take a retry.
   */
  private final Map<String, Seen> workers = new HashMap<>();
  private long largestBudgetSeen;

  private record Seen(long atMillis, DeviceFit device) {}

  /** @param seenWindow how recently a worker must have asked to count as available for a retry */
  public WorkQueue(Duration seenWindow) {
    this(seenWindow, Placement.AFFINITY);
  }

  public WorkQueue(Duration seenWindow, Placement placement) {
    this(seenWindow, placement, Duration.ZERO);
  }

  /** @param coldStartDelay how long a cold device waits for a job of its own (see the class comment); 0 for never */
  public WorkQueue(Duration seenWindow, Placement placement, Duration coldStartDelay) {
    this.seenWindow = seenWindow;
    this.placement = placement;
    this.coldStartDelayMillis = coldStartDelay.toMillis();
  }

  /**
   * Records the request and picks its chunk among {@code jobs} (active jobs with pending chunks or
   * not), or parks it when there is none for this device. A request parked to wait out a cold start sets
   * {@link #deferredUntilMillis()}: offer the parked requests again then.
   */
  public Optional<Pick> request(Request<W> request, Collection<? extends SchedulableJob> jobs, long nowMillis) {
    String worker = request.workerId();
    workers.put(worker, new Seen(nowMillis, request.device()));
    largestBudgetSeen = Math.max(largestBudgetSeen, request.device().budgetBytes());
    boolean othersAvailable = workers.entrySet().stream()
        .anyMatch(e -> !e.getKey().equals(worker) && nowMillis - e.getValue().atMillis() <= seenWindow.toMillis());
    deferredUntilMillis = 0;
    Optional<Pick> pick;
    if (placement == Placement.AFFINITY) {
      ToIntFunction<List<String>> elsewhere = models -> heldElsewhere(worker, models, nowMillis);
      List<? extends SchedulableJob> ready = jobs.stream()
          .filter(j -> !coldStartWaits(request.device(), j, nowMillis, elsewhere)).toList();
      pick = pick(request.device(), worker, othersAvailable, ready, elsewhere);
      Optional<Pick> without = ready.size() == jobs.size() ? pick
          : pick(request.device(), worker, othersAvailable, jobs, elsewhere);
      if (without.isPresent() && (pick.isEmpty() || priorityOf(jobs, without.get()) > priorityOf(jobs, pick.get()))) {
        // The best job for this device is one it waits for: wait (parked) rather than take lower-priority work.
        pick = Optional.empty();
        deferredUntilMillis = jobs.stream().filter(j -> coldStartWaits(request.device(), j, nowMillis, elsewhere))
            .mapToLong(j -> j.submittedAtMillis() + coldStartDelayMillis).min().orElse(nowMillis);
      }
    } else {
      pick = pickRandomly(request.device(), worker, othersAvailable, jobs);
    }
    if (pick.isEmpty()) {
      parked.put(worker, request);
    } else {
      parked.remove(worker);
      // Until its next request says what it holds, count the device as holding the models it is about to load.
      String jobId = pick.get().jobId();
      jobs.stream().filter(j -> j.id().equals(jobId)).findFirst().ifPresent(j ->
          workers.put(worker, new Seen(nowMillis, request.device().loading(j.modelIds()))));
    }
    return pick;
  }

  /** When the last request parked to wait out a cold start may take it (epoch millis); 0 if it did not wait. */
  public long deferredUntilMillis() {
    return deferredUntilMillis;
  }

  /** Whether {@code device}, holding none of {@code job}'s models, waits before loading them (class comment). */
  private boolean coldStartWaits(DeviceFit device, SchedulableJob job, long nowMillis,
      ToIntFunction<List<String>> heldElsewhere) {
    return coldStartDelayMillis > 0 && !job.modelIds().isEmpty() && !device.holdsAll(job.modelIds())
        && nowMillis - job.submittedAtMillis() < coldStartDelayMillis && heldElsewhere.applyAsInt(job.modelIds()) > 0;
  }

  private static int priorityOf(Collection<? extends SchedulableJob> jobs, Pick pick) {
    return jobs.stream().filter(j -> j.id().equals(pick.jobId())).mapToInt(SchedulableJob::priority).findFirst()
        .orElse(Integer.MIN_VALUE);
  }

  /** The next chunk for {@code device} among {@code jobs}, with no other device known; see the class comment. */
  public static Optional<Pick> pick(DeviceFit device, String worker, boolean avoidFailures,
      Collection<? extends SchedulableJob> jobs) {
    return pick(device, worker, avoidFailures, jobs, models -> 0);
  }

  /**
   * The next chunk for {@code device} among {@code jobs}; see the class comment for the order.
   *
   * @param heldElsewhere how many other current devices hold (or are loading) all of the given models
   */
  static Optional<Pick> pick(DeviceFit device, String worker, boolean avoidFailures,
      Collection<? extends SchedulableJob> jobs, ToIntFunction<List<String>> heldElsewhere) {
    boolean avoid = worker != null && avoidFailures;
    return jobs.stream()
        .filter(j -> device.canHold(j.memoryNeedBytes()))
        .filter(j -> worker == null || !blocked(j, worker))
        .sorted(Comparator.comparingInt((SchedulableJob j) -> j.priority()).reversed()
            .thenComparing(j -> !device.holdsAll(j.modelIds()))
            .thenComparingInt(j -> j.modelIds().isEmpty() ? 0 : heldElsewhere.applyAsInt(j.modelIds()))
            .thenComparingLong(SchedulableJob::sequence))
        .flatMap(j -> j.pendingChunks().stream()
            .filter(c -> !avoid || !worker.equals(c.lastFailedWorker()))
            .map(c -> new Pick(j.id(), c.index())))
        .findFirst();
  }

  private int heldElsewhere(String worker, List<String> models, long nowMillis) {
    return (int) workers.entrySet().stream()
        .filter(e -> !e.getKey().equals(worker) && nowMillis - e.getValue().atMillis() <= seenWindow.toMillis())
        .filter(e -> e.getValue().device().holdsAll(models))
        .count();
  }

  /** {@link Placement#RANDOM}: any job of the highest priority that has a chunk for the device, uniformly. */
  private Optional<Pick> pickRandomly(DeviceFit device, String worker, boolean avoidFailures,
      Collection<? extends SchedulableJob> jobs) {
    List<SchedulableJob> eligible = jobs.stream()
        .filter(j -> pick(device, worker, avoidFailures, List.of(j)).isPresent())
        .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
    int top = eligible.stream().mapToInt(SchedulableJob::priority).max().orElse(Integer.MIN_VALUE);
    eligible.removeIf(j -> j.priority() != top);
    return eligible.isEmpty() ? Optional.empty()
        : pick(device, worker, avoidFailures, List.of(eligible.get(random.nextInt(eligible.size()))));
  }

  /**
   * Why no current worker can take {@code job}'s pending chunks, or empty when one can. Current: asked within
   * four times the seen window, or holds a lease now ({@code holdsLease}: a worker busy with a long chunk asks
   * again only when it is done).
   */
  public Optional<Blockage> blockage(SchedulableJob job, long nowMillis, Predicate<String> holdsLease) {
    long need = job.memoryNeedBytes();
    List<String> tooSmall = new ArrayList<>();
    List<String> blocked = new ArrayList<>();
    long largest = 0;
    for (var e : workers.entrySet()) {
      String worker = e.getKey();
      if (nowMillis - e.getValue().atMillis() > seenWindow.toMillis() * 4 && !holdsLease.test(worker)) {
        continue;
      }
      DeviceFit device = e.getValue().device();
      largest = Math.max(largest, device.budgetBytes());
      if (blocked(job, worker)) {
        blocked.add(shown(worker) + " failed " + job.failuresOn(worker) + " attempts of this job");
      } else if (!device.canHold(need)) {
        tooSmall.add(shown(worker) + " has a budget of " + Sizes.of(device.budgetBytes()));
      } else {
        return Optional.empty();
      }
    }
    if (blocked.isEmpty() && tooSmall.isEmpty()) {
      return Optional.of(new Blockage(Blockage.Cause.NO_WORKERS, List.of("no worker has asked for work")));
    }
    if (blocked.isEmpty()) {
      return Optional.of(new Blockage(Blockage.Cause.TOO_SMALL, List.of("the pipeline needs " + Sizes.of(need)
          + " but the largest device budget among the workers is " + Sizes.of(largest))));
    }
    List<String> reasons = new ArrayList<>(blocked);
    tooSmall.forEach(r -> reasons.add(r + ", below the pipeline's " + Sizes.of(need)));
    reasons.sort(null);
    return Optional.of(new Blockage(Blockage.Cause.BLOCKED, reasons));
  }

  private static boolean blocked(SchedulableJob job, String worker) {
    return job.failuresOn(worker) >= WORKER_FAILURES_PER_JOB;
  }

  /** A worker's id without its actor's uid ({@code #123...}), which says nothing to people. */
  private static String shown(String worker) {
    int uid = worker.lastIndexOf('#');
    return uid < 0 ? worker : worker.substring(0, uid);
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

  /** A worker (slot) stops asking, as a draining one does: its parked request goes, and it no longer counts. */
  public void forgetWorker(String worker) {
    parked.remove(worker);
    workers.remove(worker);
  }

  /** A node left: its slots' parked requests go, and they no longer count as available. */
  public void forgetWorkersOn(String nodeAddress) {
    String prefix = nodeAddress + "/";
    parked.keySet().removeIf(w -> w.startsWith(prefix));
    workers.keySet().removeIf(w -> w.startsWith(prefix));
  }

  /** The largest budget of any device that asked for work; 0 before the first request. */
  public long largestBudgetSeen() {
    return largestBudgetSeen;
  }
}

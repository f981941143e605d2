package io.framefarm.coordinator.jobs;

import com.typesafe.config.Config;
import io.framefarm.coordinator.scheduler.Placement;
import java.time.Duration;

/**
 * The job manager's limits, from {@code framefarm.coordinator}.
 *
 * @param leaseTimeout how long a lease lives without progress
 * @param maxAttempts failed attempts of one chunk before its job fails
 * @param maxWorkerLosses leases of one chunk lost with their worker (crash, removal) before its job fails
 * @param startupGrace how long a lease may make no progress before its first frame (input transfer, model loads)
 * @param workerSeen a worker that asked within this long counts as available to take a retry
 * @param tick how often leases and retention are checked
 * @param snapshotEvery journal a snapshot every this many events and delete the events before it; 0: never
 * @param keepFinished finished jobs kept in the live state, newest first; older ones move to the history
 * @param keepFinishedFor a finished job moves to the history after this long
 * @param waitForNewWorkers a job that every current worker is blocked from (or too small for) waits for new
 *     workers instead of failing
 * @param placement which job a device asking for work gets among those of equal priority
 * @param coldStartDelay how long a device without a young job's models waits for a job of its own before it loads
 *     them, when another device holds them already (see {@code WorkQueue})
 */
public record JobManagerSettings(Duration leaseTimeout, int maxAttempts, int maxWorkerLosses, Duration startupGrace,
    Duration workerSeen, Duration tick, int snapshotEvery, int keepFinished, Duration keepFinishedFor,
    boolean waitForNewWorkers, Placement placement, Duration coldStartDelay) {

  public static JobManagerSettings fromConfig(Config coordinator) {
    Config retention = coordinator.getConfig("retention");
    return new JobManagerSettings(coordinator.getDuration("lease-timeout"), coordinator.getInt("max-attempts"),
        coordinator.getInt("max-worker-losses"), coordinator.getDuration("startup-grace"),
        coordinator.getDuration("worker-seen"), coordinator.getDuration("scheduler-tick"),
        coordinator.getInt("snapshot-every"), retention.getInt("keep-finished"),
        retention.getDuration("keep-finished-for"), coordinator.getBoolean("wait-for-new-workers"),
        coordinator.getEnum(Placement.class, "placement"), coordinator.getDuration("cold-start-delay"));
  }

  /** The defaults with another lease timeout and attempt limit, and no cold-start delay, for tests. */
  public static JobManagerSettings of(Duration leaseTimeout, int maxAttempts) {
    return new JobManagerSettings(leaseTimeout, maxAttempts, 5, Duration.ofMinutes(3), Duration.ofSeconds(15),
        Duration.ofSeconds(1), 1000, 100, Duration.ofHours(1), false, Placement.AFFINITY, Duration.ZERO);
  }

  public JobManagerSettings withRetention(int keep, Duration keepFor) {
    return new JobManagerSettings(leaseTimeout, maxAttempts, maxWorkerLosses, startupGrace, workerSeen, tick,
        snapshotEvery, keep, keepFor, waitForNewWorkers, placement, coldStartDelay);
  }

  public JobManagerSettings withSnapshotEvery(int events) {
    return new JobManagerSettings(leaseTimeout, maxAttempts, maxWorkerLosses, startupGrace, workerSeen, tick, events,
        keepFinished, keepFinishedFor, waitForNewWorkers, placement, coldStartDelay);
  }

  public JobManagerSettings withTick(Duration every) {
    return new JobManagerSettings(leaseTimeout, maxAttempts, maxWorkerLosses, startupGrace, workerSeen, every,
        snapshotEvery, keepFinished, keepFinishedFor, waitForNewWorkers, placement, coldStartDelay);
  }

  public JobManagerSettings withWaitForNewWorkers(boolean wait) {
    return new JobManagerSettings(leaseTimeout, maxAttempts, maxWorkerLosses, startupGrace, workerSeen, tick,
        snapshotEvery, keepFinished, keepFinishedFor, wait, placement, coldStartDelay);
  }

  public JobManagerSettings withPlacement(Placement how) {
    return new JobManagerSettings(leaseTimeout, maxAttempts, maxWorkerLosses, startupGrace, workerSeen, tick,
        snapshotEvery, keepFinished, keepFinishedFor, waitForNewWorkers, how, coldStartDelay);
  }

  public JobManagerSettings withColdStartDelay(Duration delay) {
    return new JobManagerSettings(leaseTimeout, maxAttempts, maxWorkerLosses, startupGrace, workerSeen, tick,
        snapshotEvery, keepFinished, keepFinishedFor, waitForNewWorkers, placement, delay);
  }
}

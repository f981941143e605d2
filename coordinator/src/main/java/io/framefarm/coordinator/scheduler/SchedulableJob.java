package io.framefarm.coordinator.scheduler;

import java.util.List;

/**
 * What the work queue needs to know of a job with pending chunks. The job manager's journal state
 * implements it; the queue never changes it.
 */
public interface SchedulableJob {
  /** A chunk waiting for a device, and the worker whose attempt at it failed last (null if none). */
  record PendingChunk(int index, String lastFailedWorker) {}

  String id();

  int priority();

  /** Order of submission: older jobs go first at equal priority. */
  long sequence();

  /** When the job was submitted (epoch millis); 0 where unknown, which counts as long ago. */
  default long submittedAtMillis() {
    return 0;
  }

  long memoryNeedBytes();

  List<String> modelIds();

  /** Attempts of this job that failed on {@code worker}. */
  int failuresOn(String worker);

  /** Chunks waiting for a device, lowest index first. */
  List<PendingChunk> pendingChunks();
}

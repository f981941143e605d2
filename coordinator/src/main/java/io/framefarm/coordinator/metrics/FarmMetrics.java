package io.framefarm.coordinator.metrics;

import io.framefarm.coordinator.transfer.TransferMeter;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's Prometheus metrics, served at {@code /metrics} in the text exposition format: every device's
 * memory ({@link DeviceBoard}), jobs and chunks (fed by the journal's read side), transfers, and the JVM's and
 * the process's own memory. Names follow Prometheus' conventions: base units in the name, counters end in
 * {@code _total} (the client adds it).
 */
public final class FarmMetrics {
  /** Chunk durations: a few frames on a fast device to a long chunk on a slow one. */
  private static final double[] CHUNK_SECONDS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};
  /** Request to assignment: a lease's journal write and a segment cut, milliseconds when all is well. */
  private static final double[] ASSIGN_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
      5};
  private static final double[] WAIT_SECONDS = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
  private static final List<String> LIVE_STATES = List.of("QUEUED", "RUNNING", "ASSEMBLING", "COMPLETED", "FAILED",
      "CANCELLED");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final DeviceBoard devices = new DeviceBoard();
  private final Counter jobsSubmitted;
  private final Counter jobsFinished;
  private final Counter chunksCompleted;
  private final Counter attemptsFailed;
  private final Counter chunksRetried;
  private final Counter leasesLost;
  private final Counter leaseExpiries;
  private final Counter transferBytes;
  private final Histogram chunkDuration;
  private final Histogram queueWait;
  private final Histogram assignment;
  private final Gauge liveJobs;

  public FarmMetrics() {
    JvmMetrics.builder().register(registry);
    registry.register(devices);
    jobsSubmitted = Counter.builder().name("framefarm_jobs_submitted").help("Jobs accepted").register(registry);
    jobsFinished = Counter.builder().name("framefarm_jobs_finished").help("Jobs that ended, by final state")
        .labelNames("state").register(registry);
    chunksCompleted = Counter.builder().name("framefarm_chunks_completed").help("Chunks whose result was stored")
        .register(registry);
    attemptsFailed = Counter.builder().name("framefarm_chunk_attempts_failed")
        .help("Chunk attempts that failed (lease expiries included)").register(registry);
    chunksRetried = Counter.builder().name("framefarm_chunks_retried")
        .help("Leases of a chunk after its first (after a failure, a lost worker or a restart)").register(registry);
    leasesLost = Counter.builder().name("framefarm_chunk_leases_lost")
        .help("Leases lost with their worker (crash, removal from the cluster)").register(registry);
    leaseExpiries = Counter.builder().name("framefarm_chunk_lease_expiries")
        .help("Leases that expired without progress").register(registry);
    transferBytes = Counter.builder().name("framefarm_transfer_bytes")
        .help("Chunk bytes moved between coordinator and workers").labelNames("direction").register(registry);
    chunkDuration = Histogram.builder().name("framefarm_chunk_duration_seconds")
        .help("From a chunk's lease to its stored result").classicOnly().classicUpperBounds(CHUNK_SECONDS)
        .register(registry);
    queueWait = Histogram.builder().name("framefarm_chunk_queue_wait_seconds")
        .help("From a chunk becoming pending (submitted, failed, lost) to its lease").classicOnly()
        .classicUpperBounds(WAIT_SECONDS).register(registry);
    assignment = Histogram.builder().name("framefarm_chunk_assignment_seconds")
        .help("From the job manager picking a chunk for a slot's request to the assignment going out: the lease's"
            + " journal write and the segment cut (the request's wait in the job manager's mailbox not included)")
        .classicOnly().classicUpperBounds(ASSIGN_SECONDS).register(registry);
    liveJobs = Gauge.builder().name("framefarm_jobs").help("Jobs in the job manager's live state, by state")
        .labelNames("state").register(registry);
    for (String state : LIVE_STATES) {
      liveJobs.labelValues(state.toLowerCase()).set(0);
    }
    transferBytes.labelValues("to_worker");
    transferBytes.labelValues("from_worker");
  }

  public DeviceBoard devices() {
    return devices;
  }

  public TransferMeter transfers() {
    return new TransferMeter() {
      @Override
      public void sent(long bytes) {
        transferBytes.labelValues("to_worker").inc(bytes);
      }

      @Override
      public void received(long bytes) {
        transferBytes.labelValues("from_worker").inc(bytes);
      }
    };
  }

  public void jobSubmitted() {
    jobsSubmitted.inc();
  }

  public void jobFinished(String state) {
    jobsFinished.labelValues(state.toLowerCase()).inc();
  }

  /** A lease; {@code waitedSeconds} is negative when the chunk's pending time is unknown. */
  public void chunkLeased(int attempt, double waitedSeconds) {
    if (attempt > 1) {
      chunksRetried.inc();
    }
    if (waitedSeconds >= 0) {
      queueWait.observe(waitedSeconds);
    }
  }

  /** An assignment sent to a slot, {@code seconds} after its chunk was picked for the slot's request. */
  public void chunkAssigned(double seconds) {
    assignment.observe(seconds);
  }

  /** A stored result; {@code seconds} is negative when the lease's start is unknown. */
  public void chunkCompleted(double seconds) {
    chunksCompleted.inc();
    if (seconds >= 0) {
      chunkDuration.observe(seconds);
    }
  }

  public void chunkFailed(boolean leaseExpired) {
    attemptsFailed.inc();
    if (leaseExpired) {
      leaseExpiries.inc();
    }
  }

  public void leaseLost() {
    leasesLost.inc();
  }

  /** The live jobs by state, as the job manager answered at scrape time. */
  public void liveJobs(Map<String, Long> byState) {
    for (String state : LIVE_STATES) {
      liveJobs.labelValues(state.toLowerCase()).set(byState.getOrDefault(state, 0L));
    }
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  /** Every metric in Prometheus' text format (version 0.0.4). */
  public byte[] scrape() {
    var out = new ByteArrayOutputStream(16 * 1024);
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}

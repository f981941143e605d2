package io.framefarm.worker.memory;

import io.framefarm.worker.device.MemorySize;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records when and (depending on the {@link TrackingLevel}) where leases were taken, and turns the
 * ones an owner never gave back into reports. Whether a lease's call site is captured at all is
 * decided on the requester's side, by {@link LeaseSites}, before any stack is built.
 */
final class LeakTracker {

  private static final int FRAMES_SHOWN = 12;
  private static final String OWN_PACKAGE = LeakTracker.class.getPackageName() + ".";
  private static final Logger log = LoggerFactory.getLogger(LeakTracker.class);

  /** When a lease was taken and, if recorded, the stack that took it ({@code ""} if not). */
  record Trace(long takenAtMillis, String where) {}

  /**
   * Marks where a lease is requested. The command that carries it is built on the requester's
   * thread, so this stack shows the requester's code, not the memory manager's.
   */
  static final class Site extends Throwable {
    Site() {
      super("lease requested here");
    }
  }

  private final TrackingLevel level;
  private final Clock clock;
  private long leaks;

  LeakTracker(TrackingLevel level, Clock clock) {
    this.level = level;
    this.clock = clock;
  }

  /**
   * When a lease is taken now, and where, if its requester captured the site ({@link LeaseSites}) and tracking is on.
   */
  Trace trace(Throwable site) {
    boolean record = site != null && level != TrackingLevel.OFF;
    return new Trace(clock.millis(), record ? format(site) : "");
  }

  /** Counts, logs and describes a lease reclaimed from an owner that did not give it back. */
  MemoryEvent.LeakDetected leaked(String deviceId, String owner, String what, long bytes, Trace trace) {
    leaks++;
    long ageMillis = Math.max(0, clock.millis() - trace.takenAtMillis());
    if (trace.where().isEmpty()) {
      log.warn("Reclaimed {} of {} ({}) that {} still held after it ended, taken {} ms ago", what,
          MemorySize.format(bytes), deviceId, owner, ageMillis);
    } else {
      log.warn("Reclaimed {} of {} ({}) that {} still held after it ended, taken {} ms ago at\n{}", what,
          MemorySize.format(bytes), deviceId, owner, ageMillis, trace.where());
    }
    return new MemoryEvent.LeakDetected(deviceId, owner, what, bytes, ageMillis, trace.where());
  }

  long leaks() {
    return leaks;
  }

  private static String format(Throwable site) {
    StringBuilder where = new StringBuilder();
    int shown = 0;
    for (StackTraceElement frame : site.getStackTrace()) {
      if (shown == 0 && (frame.getMethodName().equals("<init>") && frame.getClassName().startsWith(OWN_PACKAGE)
          || frame.getClassName().equals(LeaseSites.class.getName()))) {
        continue; // the Site, the LeaseSites that made it and the command that carries it; the requester is below them
      }
      if (shown == FRAMES_SHOWN) {
        break;
      }
      where.append(shown == 0 ? "\tat " : "\n\tat ").append(frame);
      shown++;
    }
    return where.toString();
  }
}

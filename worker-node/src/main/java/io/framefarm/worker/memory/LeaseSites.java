package io.framefarm.worker.memory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Captures where leases are requested, on the requester's thread, and only when the tracking level
 * asks for it: the decision comes first and the stack (a {@code Throwable}, the costly part) only for
 * the leases that will be recorded, as Netty's {@code ResourceLeakDetector.track0} decides before it
 * builds a record. Safe from any thread; one per device, from the same level as its manager's.
 */
public final class LeaseSites {

  /** Under {@link TrackingLevel#SAMPLED}, one lease in this many records its call site. */
  static final int SAMPLE_EVERY = 16;

  private final TrackingLevel level;
  private final AtomicLong requests = new AtomicLong();

  private LeaseSites(TrackingLevel level) {
    this.level = level;
  }

  public static LeaseSites of(TrackingLevel level) {
    return new LeaseSites(level);
  }

  /** The caller's stack if this lease is to be recorded, else {@code null} and nothing was built. */
  public Throwable next() {
    return switch (level) {
      case OFF -> null;
      case SAMPLED -> requests.getAndIncrement() % SAMPLE_EVERY == 0 ? new LeakTracker.Site() : null;
      case FULL -> new LeakTracker.Site();
    };
  }

  public TrackingLevel level() {
    return level;
  }
}

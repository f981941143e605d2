package io.framefarm.worker.memory;

/**
 * How much the memory manager records about where leases were taken.
 *
 * <p>Leases still held when their owner ends are reclaimed and reported (owner, bytes, age) at every
 * level, since reclaiming is needed for the books anyway; the levels differ only in the call site.
 */
public enum TrackingLevel {
  /** No call sites. */
  OFF,
  /** The call site of one lease in 16: enough to find a steady leak in production. */
  SAMPLED,
  /** Every call site; for tests and for chasing a leak. */
  FULL
}

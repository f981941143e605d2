package io.framefarm.coordinator.downing;

import java.util.concurrent.CompletionStage;

/**
 * The downing lease as one coordinator holds it for its side of the cluster: taken for requesters (nodes whose
 * resolver decides for that side, this one included) and given up when the last of them has released it.
 */
interface LocalLease {
  /** Takes the lease, or keeps it, for {@code requester}; completes with whether this coordinator holds it. */
  CompletionStage<Boolean> acquire(String requester);

  /** {@code requester} no longer needs the lease; the last one to go gives it up. */
  CompletionStage<Boolean> release(String requester);

  /** Whether this coordinator holds the lease now. */
  boolean isHeld();
}

package io.framefarm.coordinator.downing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The downing lease of a coordinator on the embedded database: always granted. An H2 file admits one process,
 * so a farm on it has one coordinator, and its side of any partition is the one to keep; a side of workers
 * alone has no coordinator to ask and downs itself, as {@code keep-majority} counting coordinators decided.
 */
final class EmbeddedLease implements LocalLease {
  private volatile boolean held;

  @Override
  public CompletionStage<Boolean> acquire(String requester) {
    held = true;
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public CompletionStage<Boolean> release(String requester) {
    held = false;
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public boolean isHeld() {
    return held;
  }
}

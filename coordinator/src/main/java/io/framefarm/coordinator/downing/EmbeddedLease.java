package io.framefarm.coordinator.downing;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.coordination.lease.LeaseSettings;
import org.apache.pekko.coordination.lease.javadsl.Lease;

/**
 * The downing lease of a coordinator on the embedded database: always granted. An H2 file admits one process,
 * so a farm on it has one coordinator, and its side of any partition is the one to keep; with the workers
 * asking it ({@link AskingLease}) this decides as {@code keep-majority} counting coordinators did.
 */
final class EmbeddedLease extends Lease {
  private final LeaseSettings settings;
  private volatile boolean held;

  EmbeddedLease(LeaseSettings settings) {
    this.settings = settings;
  }

  @Override
  public LeaseSettings getSettings() {
    return settings;
  }

  @Override
  public CompletionStage<Boolean> acquire() {
    held = true;
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public CompletionStage<Boolean> acquire(Consumer<Optional<Throwable>> leaseLostCallback) {
    return acquire();
  }

  @Override
  public CompletionStage<Boolean> release() {
    held = false;
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public boolean checkLease() {
    return held;
  }
}

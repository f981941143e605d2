package io.framefarm.coordinator.downing;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.coordination.lease.LeaseSettings;
import org.apache.pekko.coordination.lease.javadsl.Lease;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downing lease of a coordinator on PostgreSQL: a {@link JournalLease} row held by this node, renewed every
 * {@code heartbeat-interval} for {@code heartbeat-timeout}. A holder that dies stops renewing, and the row
 * expires on the database's clock after {@code heartbeat-timeout}. The hold is believed only until the last
 * renewal's start plus the timeout, which is never later than the row's expiry; a renewal that finds another
 * owner, or no renewal before that deadline, ends the hold and calls the lease-lost callback.
 */
final class JournalHeldLease extends Lease {
  private static final Logger log = LoggerFactory.getLogger(JournalHeldLease.class);

  private final LeaseSettings settings;
  private final ExtendedActorSystem system;
  private final JournalLease journal;
  private final String owner;
  private final Duration ttl;
  private final MessageDispatcher jdbc;

  /** Until when (System.nanoTime) the hold is believed; 0 when not held. Guarded by this. */
  private long heldUntil;
  private Cancellable heartbeat;
  private Consumer<Optional<Throwable>> lostCallback = lost -> { };

  JournalHeldLease(LeaseSettings settings, ExtendedActorSystem system, JournalLease journal) {
    this.settings = settings;
    this.system = system;
    this.journal = journal;
    this.owner = settings.ownerName();
    this.ttl = settings.timeoutSettings().getHeartbeatTimeout();
    this.jdbc = system.dispatchers().lookup(DowningLease.CONFIG_PATH + ".dispatcher");
  }

  @Override
  public LeaseSettings getSettings() {
    return settings;
  }

  @Override
  public CompletionStage<Boolean> acquire() {
    return acquire(lost -> { });
  }

  @Override
  public CompletionStage<Boolean> acquire(Consumer<Optional<Throwable>> leaseLostCallback) {
    return CompletableFuture.supplyAsync(() -> {
      long startedAt = System.nanoTime();
      boolean acquired = call(() -> journal.acquire(owner, ttl));
      synchronized (this) {
        if (acquired) {
          heldUntil = startedAt + ttl.toNanos();
          lostCallback = leaseLostCallback;
          if (heartbeat == null) {
            Duration every = settings.timeoutSettings().getHeartbeatInterval();
            heartbeat = system.scheduler().scheduleWithFixedDelay(every, every, this::renew, jdbc);
          }
        }
      }
      if (acquired) {
        log.info("Downing lease {} acquired by {}", journal.name(), owner);
      } else {
        log.debug("Downing lease {} held by another node, not by {}", journal.name(), owner);
      }
      return acquired;
    }, jdbc);
  }

  @Override
  public CompletionStage<Boolean> release() {
    synchronized (this) {
      stopHolding();
    }
    return CompletableFuture.supplyAsync(() -> {
      boolean released = call(() -> journal.release(owner));
      log.info("Downing lease {} released by {} ({})", journal.name(), owner, released ? "was held" : "was not held");
      return true;
    }, jdbc);
  }

  @Override
  public synchronized boolean checkLease() {
    return heldUntil != 0 && System.nanoTime() - heldUntil < 0;
  }

  private void renew() {
    long startedAt = System.nanoTime();
    boolean renewed;
    SQLException failure = null;
    try {
      renewed = journal.renew(owner, ttl);
    } catch (SQLException e) {
      renewed = false;
      failure = e;
    }
    Consumer<Optional<Throwable>> callback = null;
    Throwable cause = failure;
    synchronized (this) {
      if (heldUntil == 0) {
        return; // released while this renewal ran
      }
      if (renewed) {
        heldUntil = startedAt + ttl.toNanos();
      } else if (failure == null || System.nanoTime() - heldUntil >= 0) {
        // Another owner took the row, or the database stayed out of reach until the hold ran out.
        callback = lostCallback;
        stopHolding();
      }
    }
    if (callback != null) {
      log.warn("Downing lease {} lost by {}{}", journal.name(), owner, cause == null ? "" : ": " + cause.getMessage());
      callback.accept(Optional.ofNullable(cause));
    } else if (failure != null) {
      log.warn("Downing lease {}: renewal failed, retrying while the hold lasts: {}", journal.name(),
          failure.getMessage());
    }
  }

  private void stopHolding() {
    heldUntil = 0;
    if (heartbeat != null) {
      heartbeat.cancel();
      heartbeat = null;
    }
  }

  private interface Call<T> {
    T run() throws SQLException;
  }

  private static <T> T call(Call<T> call) {
    try {
      return call.run();
    } catch (SQLException e) {
      throw new CompletionException(e);
    }
  }
}

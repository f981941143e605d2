package io.framefarm.coordinator.downing;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downing lease of a coordinator on PostgreSQL: a {@link JournalLease} row owned by this node, renewed every
 * {@code interval} for {@code ttl} while anyone it was taken for still needs it. A holder that dies stops
 * renewing and its row expires on the database's clock. The hold is believed only until the last renewal's
 * start plus {@code ttl}, never later than the row's expiry; a renewal that finds another owner, or no renewal
 * before that deadline, ends the hold.
 *
 * <p>Taking a lease whose row another owner holds waits for that hold to run out, up to {@code ttl}: the other
 * owner may be a coordinator that died holding it (say, just after downing a worker), and failing at once would
 * make the survivors down themselves. A live holder renews and outlasts the wait, and the taking fails.
 */
final class JournalHeldLease implements LocalLease {
  private static final Logger log = LoggerFactory.getLogger(JournalHeldLease.class);
  /** Past the other hold's end before trying again: one statement's trip, so the row is expired when it lands. */
  private static final Duration AFTER_EXPIRY = Duration.ofMillis(200);

  private final JournalLease journal;
  private final String owner;
  private final Duration ttl;
  private final Duration interval;
  private final Scheduler scheduler;
  private final MessageDispatcher jdbc;

  /** Until when (System.nanoTime) the hold is believed, if held. Guarded by this, as are the two below. */
  private long heldUntil;
  private boolean held;
  private final Set<String> requesters = new HashSet<>();
  private Cancellable heartbeat;

  /**
   * @param owner this coordinator's name in the row (its host:port)
   * @param jdbc where the blocking database calls run
   */
  JournalHeldLease(JournalLease journal, String owner, Duration ttl, Duration interval, Scheduler scheduler,
      MessageDispatcher jdbc) {
    this.journal = journal;
    this.owner = owner;
    this.ttl = ttl;
    this.interval = interval;
    this.scheduler = scheduler;
    this.jdbc = jdbc;
  }

  @Override
  public CompletionStage<Boolean> acquire(String requester) {
    // A dead holder's row ends at most ttl after its last renewal; a live holder's keeps moving past this.
    return attempt(requester, System.nanoTime() + ttl.plus(interval).plus(AFTER_EXPIRY).toNanos());
  }

  private CompletionStage<Boolean> attempt(String requester, long giveUpAt) {
    return CompletableFuture.supplyAsync(() -> {
      long startedAt = System.nanoTime();
      if (call(() -> journal.acquire(owner, ttl))) {
        hold(requester, startedAt);
        return Optional.<Duration>empty();
      }
      return Optional.of(call(journal::remainingHold).orElse(Duration.ZERO).plus(AFTER_EXPIRY));
    }, jdbc).thenCompose(wait -> {
      if (wait.isEmpty()) {
        return CompletableFuture.completedFuture(true);
      }
      if (System.nanoTime() + wait.get().toNanos() - giveUpAt > 0) {
        log.info("Downing lease {} held by another coordinator, not by {}", journal.name(), owner);
        return CompletableFuture.completedFuture(false);
      }
      CompletableFuture<Boolean> retried = new CompletableFuture<>();
      scheduler.scheduleOnce(wait.get(), () -> attempt(requester, giveUpAt).whenComplete((ok, error) -> {
        if (error != null) {
          retried.completeExceptionally(error);
        } else {
          retried.complete(ok);
        }
      }), jdbc);
      return retried;
    });
  }

  private synchronized void hold(String requester, long startedAt) {
    if (!held) {
      log.info("Downing lease {} acquired by {} for {}", journal.name(), owner, requester);
    }
    held = true;
    heldUntil = startedAt + ttl.toNanos();
    requesters.add(requester);
    if (heartbeat == null) {
      heartbeat = scheduler.scheduleWithFixedDelay(interval, interval, this::renew, jdbc);
    }
  }

  @Override
  public CompletionStage<Boolean> release(String requester) {
    synchronized (this) {
      if (!requesters.remove(requester) || !requesters.isEmpty()) {
        return CompletableFuture.completedFuture(true); // not this requester's, or still needed by others
      }
      stopHolding();
    }
    return CompletableFuture.supplyAsync(() -> {
      boolean released = call(() -> journal.release(owner));
      log.info("Downing lease {} released by {}{}", journal.name(), owner, released ? "" : " (it had lost it)");
      return true;
    }, jdbc);
  }

  @Override
  public synchronized boolean isHeld() {
    return held && System.nanoTime() - heldUntil < 0;
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
    synchronized (this) {
      if (!held) {
        return; // released while this renewal ran
      }
      if (renewed) {
        heldUntil = startedAt + ttl.toNanos();
        return;
      }
      if (failure != null && System.nanoTime() - heldUntil < 0) {
        log.warn("Downing lease {}: renewal failed, retrying while the hold lasts: {}", journal.name(),
            failure.getMessage());
        return;
      }
      // Another owner took the row, or the database stayed out of reach until the hold ran out.
      log.warn("Downing lease {} lost by {}{}", journal.name(), owner,
          failure == null ? "" : ": " + failure.getMessage());
      requesters.clear();
      stopHolding();
    }
  }

  private void stopHolding() {
    held = false;
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

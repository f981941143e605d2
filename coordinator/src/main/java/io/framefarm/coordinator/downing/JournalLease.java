package io.framefarm.coordinator.downing;

import io.framefarm.coordinator.JournalDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * A named lease as one row of {@code framefarm_lease} in the journal's PostgreSQL database (created by
 * {@link io.framefarm.coordinator.JournalSchema}): an owner and an expiry on the database's clock, so that
 * the coordinators' own clocks need not agree. Each call is one atomic statement; blocking JDBC, so callers
 * run it on a pool of its own.
 */
public final class JournalLease {
  private final JournalDatabase db;
  private final String name;
  private final Duration timeout;

  /**
   * @param timeout how long one call may take (connect and statement) before it fails
   */
  public JournalLease(JournalDatabase db, String name, Duration timeout) {
    if (!db.isPostgres()) {
      throw new IllegalArgumentException("the downing lease needs PostgreSQL, not " + db.safeUrl());
    }
    this.db = db;
    this.name = name;
    this.timeout = timeout;
  }

  /**
   * Takes the lease for {@code owner} for {@code ttl} if it is free, expired, or already {@code owner}'s.
   * Two owners racing: the row's primary key makes one insert (or update) win and the other see the winner.
   */
  public boolean acquire(String owner, Duration ttl) throws SQLException {
    return update("INSERT INTO framefarm_lease AS l (name, owner, expires_at) "
        + "VALUES (?, ?, clock_timestamp() + ? * INTERVAL '1 millisecond') "
        + "ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at "
        + "WHERE l.owner = EXCLUDED.owner OR l.expires_at < clock_timestamp()", s -> {
          s.setString(1, name);
          s.setString(2, owner);
          s.setLong(3, ttl.toMillis());
        }) == 1;
  }

  /** Extends {@code owner}'s hold to {@code ttl} from now; false if another owner has taken the lease. */
  public boolean renew(String owner, Duration ttl) throws SQLException {
    return update("UPDATE framefarm_lease SET expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond' "
        + "WHERE name = ? AND owner = ?", s -> {
          s.setLong(1, ttl.toMillis());
          s.setString(2, name);
          s.setString(3, owner);
        }) == 1;
  }

  /** Gives the lease up if {@code owner} holds it; true if it did. */
  public boolean release(String owner) throws SQLException {
    return update("DELETE FROM framefarm_lease WHERE name = ? AND owner = ?", s -> {
      s.setString(1, name);
      s.setString(2, owner);
    }) == 1;
  }

  /** Who holds the lease now, if anyone (an expired hold counts as none). */
  public Optional<String> holder() throws SQLException {
    try (Connection c = db.connect(timeout); PreparedStatement s = c.prepareStatement(
        "SELECT owner FROM framefarm_lease WHERE name = ? AND expires_at >= clock_timestamp()")) {
      s.setQueryTimeout(seconds());
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
      }
    }
  }

  /** How much longer the current hold lasts, on the database's clock; empty when the lease is free or expired. */
  public Optional<Duration> remainingHold() throws SQLException {
    try (Connection c = db.connect(timeout); PreparedStatement s = c.prepareStatement(
        "SELECT CAST(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000 AS BIGINT) FROM framefarm_lease "
            + "WHERE name = ? AND expires_at >= clock_timestamp()")) {
      s.setQueryTimeout(seconds());
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(Duration.ofMillis(Math.max(0, r.getLong(1)))) : Optional.empty();
      }
    }
  }

  public String name() {
    return name;
  }

  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  private int update(String sql, Binder binder) throws SQLException {
    try (Connection c = db.connect(timeout); PreparedStatement s = c.prepareStatement(sql)) {
      s.setQueryTimeout(seconds());
      binder.bind(s);
      return s.executeUpdate();
    }
  }

  private int seconds() {
    return (int) Math.max(1, timeout.toSeconds());
  }
}

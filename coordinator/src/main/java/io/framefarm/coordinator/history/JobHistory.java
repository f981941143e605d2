package io.framefarm.coordinator.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.framefarm.coordinator.JournalDatabase;
import io.framefarm.coordinator.JournalSchema;
import io.framefarm.protocol.JobApi.JobStatus;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Finished jobs after they leave the job manager's live state: one row per job with its final status,
 * in the journal's database (H2 in the data dir, or PostgreSQL). The live state stays small, so the
 * coordinator's start-up does not grow with history, and the API still answers for old jobs.
 *
 * <p>Every call opens its own connection on {@code executor} (a blocking pool): archiving happens in
 * batches and lookups of old jobs are rare, so a pool would hold connections for nothing.
 */
public final class JobHistory {
  /** A position in the newest-first listing: jobs submitted before this one come next. */
  public record Cursor(long submittedAtMillis, String jobId) {}

  private static final String TABLE = "framefarm_job_history";

  private final String url;
  private final String user;
  private final String password;
  private final Executor executor;
  private final ObjectMapper json = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public JobHistory(String url, String user, String password, Executor executor) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.executor = executor;
  }

  /** The history in the journal's database ({@code pekko-persistence-jdbc.shared-databases.slick.db}). */
  public static JobHistory open(Config config, Executor executor) {
    Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    JobHistory history = new JobHistory(db.getString("url"), db.getString("user"), db.getString("password"),
        executor);
    history.ensureTable();
    return history;
  }

  /**
   * Creates the table if it is missing; the same SQL serves H2 and PostgreSQL, under the schema lock so that
   * coordinators starting at once on one PostgreSQL database do not race.
   */
  public void ensureTable() {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      JournalSchema.lockSchema(c);
      s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (job_id VARCHAR(64) PRIMARY KEY, "
          + "submitted_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, state VARCHAR(16) NOT NULL, "
          + "status_json VARCHAR NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS " + TABLE + "_by_submission ON " + TABLE + " (submitted_at, job_id)");
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("Could not prepare the job history at " + JournalDatabase.safe(url) + ": "
          + e.getMessage(), e);
    }
  }

  /** Stores final statuses; storing one again replaces it, so a retried archive is harmless. */
  public CompletionStage<Void> store(List<JobStatus> finished) {
    return CompletableFuture.runAsync(() -> {
      try (Connection c = connect()) {
        c.setAutoCommit(false);
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + TABLE + " WHERE job_id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE
                 + " (job_id, submitted_at, finished_at, state, status_json) VALUES (?, ?, ?, ?, ?)")) {
          for (JobStatus status : finished) {
            delete.setString(1, status.id());
            delete.addBatch();
            insert.setString(1, status.id());
            insert.setLong(2, status.submittedAtMillis());
            insert.setLong(3, status.finishedAtMillis());
            insert.setString(4, status.state());
            insert.setString(5, json.writeValueAsString(status));
            insert.addBatch();
          }
          delete.executeBatch();
          insert.executeBatch();
          c.commit();
        } catch (SQLException | JsonProcessingException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      } catch (SQLException | JsonProcessingException e) {
        throw new IllegalStateException("Could not store " + finished.size() + " finished job(s) in the history: "
            + e.getMessage(), e);
      }
    }, executor);
  }

  public CompletionStage<Optional<JobStatus>> find(String jobId) {
    return CompletableFuture.supplyAsync(() -> {
      List<JobStatus> found = query("SELECT status_json FROM " + TABLE + " WHERE job_id = ?",
          s -> s.setString(1, jobId));
      return found.stream().findFirst();
    }, executor);
  }

  /** Up to {@code limit} jobs, newest submission first, starting after {@code after} (null: from the newest). */
  public CompletionStage<List<JobStatus>> page(Cursor after, int limit) {
    return CompletableFuture.supplyAsync(() -> after == null
        ? query("SELECT status_json FROM " + TABLE + " ORDER BY submitted_at DESC, job_id DESC LIMIT ?",
            s -> s.setInt(1, limit))
        : query("SELECT status_json FROM " + TABLE + " WHERE submitted_at < ? OR (submitted_at = ? AND job_id < ?) "
            + "ORDER BY submitted_at DESC, job_id DESC LIMIT ?", s -> {
              s.setLong(1, after.submittedAtMillis());
              s.setLong(2, after.submittedAtMillis());
              s.setString(3, after.jobId());
              s.setInt(4, limit);
            }), executor);
  }

  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  private List<JobStatus> query(String sql, Binder binder) {
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      binder.bind(s);
      List<JobStatus> rows = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          rows.add(json.readValue(r.getString(1), JobStatus.class));
        }
      }
      return rows;
    } catch (SQLException | JsonProcessingException e) {
      throw new IllegalStateException("Could not read the job history: " + e.getMessage(), e);
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user, password);
  }
}

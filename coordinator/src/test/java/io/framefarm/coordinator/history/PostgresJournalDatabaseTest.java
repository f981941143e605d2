package io.framefarm.coordinator.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import io.framefarm.coordinator.JournalDatabase;
import io.framefarm.coordinator.JournalSchema;
import io.framefarm.coordinator.testing.PostgresServer;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.JobStatus;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal's schema and the job history table on a real PostgreSQL server: created by coordinators that
 * start at once, then used as on H2.
 */
class PostgresJournalDatabaseTest {
  private static final int COORDINATORS = 4;
  private static PostgresServer postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  private static Config journal(String database) throws Exception {
    return JournalDatabase.pluginSettings(postgres.createDatabase(database), PostgresServer.USER, postgres.password());
  }

  @Test
  void coordinatorsStartingAtOnceCreateTheSchemaOnceAndAgainHarmlessly() throws Exception {
    Config config = journal("schema_race");
    ExecutorService starts = Executors.newFixedThreadPool(COORDINATORS);
    try {
      List<Callable<Void>> start = new ArrayList<>();
      for (int i = 0; i < COORDINATORS; i++) {
        start.add(() -> {
          JournalSchema.ensure(config);
          JobHistory.open(config, Runnable::run);
          return null;
        });
      }
      for (Future<Void> started : starts.invokeAll(start)) {
        started.get(); // rethrows a start that failed
      }
    } finally {
      starts.shutdown();
    }
    JournalSchema.ensure(config); // a restart finds everything there

    JournalDatabase db = JournalDatabase.of(config);
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
         Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT table_name FROM information_schema.tables "
             + "WHERE table_schema = 'public' ORDER BY table_name")) {
      List<String> tables = new ArrayList<>();
      while (r.next()) {
        tables.add(r.getString(1));
      }
      assertThat(tables).containsExactly("durable_state", "event_journal", "event_tag", "framefarm_job_history",
          "framefarm_lease", "snapshot");
    }
  }

  @Test
  void theJobHistoryStoresFindsAndPagesFinishedJobs() throws Exception {
    Config config = journal("history");
    JournalSchema.ensure(config);
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      JobHistory history = JobHistory.open(config, executor);
      history.store(List.of(job("a", 100, "COMPLETED"), job("b", 200, "FAILED"), job("c", 200, "CANCELLED")))
          .toCompletableFuture().get();
      history.store(List.of(job("b", 200, "FAILED"))).toCompletableFuture().get(); // again: still one row

      assertThat(history.find("b").toCompletableFuture().get()).get().isEqualTo(job("b", 200, "FAILED"));
      assertThat(history.find("z").toCompletableFuture().get()).isEmpty();
      List<JobStatus> first = history.page(null, 2).toCompletableFuture().get();
      assertThat(first).extracting(JobStatus::id).containsExactly("c", "b");
      List<JobStatus> rest = history.page(new JobHistory.Cursor(200, "b"), 2).toCompletableFuture().get();
      assertThat(rest).extracting(JobStatus::id).containsExactly("a");
    } finally {
      executor.shutdown();
    }
  }

  private static JobStatus job(String id, long submittedAt, String state) {
    var request = new JobRequest("/in.mp4", "/out-" + id + ".mp4", "identity", 10, 0, EncodeSpec.defaults());
    return new JobStatus(id, request, state, 10, 10, 1, 1, submittedAt, submittedAt + 1, submittedAt + 5, null,
        List.of(), List.of("farm@127.0.0.1:2552"), null, List.of(), List.of(1));
  }
}

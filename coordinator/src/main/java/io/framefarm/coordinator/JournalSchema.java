package io.framefarm.coordinator;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Creates the journal's tables if they are missing: the embedded H2 database's, or PostgreSQL's (the journal
 * plugin's own schema plus the downing lease's table). Safe to run on every start, and by two coordinators
 * starting at once on one PostgreSQL database: the script runs in one transaction under an advisory lock.
 */
public final class JournalSchema {
  /** Held while Framefarm changes the schema; any constant works, as long as every node uses the same one. */
  static final long SCHEMA_LOCK = 0x7070_5343_4845_4d41L;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private JournalSchema() {}

  /**
   * Prepares the database of {@code config}'s journal.
   *
   * @throws JournalUnavailableException when it cannot be reached or prepared
   */
  public static void ensure(Config config) {
    JournalDatabase db = JournalDatabase.of(config);
    String script = db.isPostgres() ? "/postgres-journal-schema.sql" : db.url().startsWith("jdbc:h2:")
        ? "/h2-journal-schema.sql" : null;
    if (script == null) {
      return; // another database: its schema is its operator's business
    }
    try (Connection connection = db.connect(TIMEOUT); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      lockSchema(connection);
      for (String sql : statements(script)) {
        statement.execute(sql);
      }
      connection.commit();
    } catch (IOException | SQLException e) {
      throw new JournalUnavailableException(db, e);
    }
  }

  /**
   * On PostgreSQL, takes the schema lock until the connection's transaction ends; concurrent {@code CREATE ...
   * IF NOT EXISTS} of one table can otherwise fail on the catalog's unique index. H2 serializes DDL itself.
   */
  public static void lockSchema(Connection connection) throws SQLException {
    if (connection.getMetaData().getDatabaseProductName().equals("PostgreSQL")) {
      try (Statement s = connection.createStatement()) {
        s.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
      }
    }
  }

  private static String[] statements(String resource) throws IOException {
    try (InputStream in = JournalSchema.class.getResourceAsStream(resource)) {
      String script = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> !line.strip().startsWith("--")).collect(Collectors.joining("\n"));
      return Arrays.stream(script.split(";")).filter(s -> !s.isBlank()).toArray(String[]::new);
    }
  }
}

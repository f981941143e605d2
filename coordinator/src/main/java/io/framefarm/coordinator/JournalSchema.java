package io.framefarm.coordinator;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates the journal tables of an embedded H2 database if they are missing. PostgreSQL
 * deployments create theirs once with the plugin's own script, so only H2 is handled here.
 */
public final class JournalSchema {
  private JournalSchema() {}

  public static void ensure(Config config) {
    Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    String url = db.getString("url");
    if (!url.startsWith("jdbc:h2:")) {
      return;
    }
    try (InputStream in = JournalSchema.class.getResourceAsStream("/h2-journal-schema.sql");
         Connection connection = DriverManager.getConnection(url, db.getString("user"), db.getString("password"));
         Statement statement = connection.createStatement()) {
      String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (String sql : script.split(";")) {
        if (!sql.isBlank()) {
          statement.execute(sql);
        }
      }
    } catch (IOException | SQLException e) {
      throw new IllegalStateException("Could not prepare the job journal at " + url + ": " + e.getMessage(), e);
    }
  }
}

package io.framefarm.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * The journal's database as the coordinator's own JDBC code reaches it (schema, job history, downing lease):
 * the settings of {@code pekko-persistence-jdbc.shared-databases.slick.db}, the same database the journal
 * plugin writes. {@link #toString()} and {@link #safeUrl()} never show the password.
 */
public record JournalDatabase(String url, String user, String password) {
  public static final String CONFIG_PATH = "pekko-persistence-jdbc.shared-databases.slick.db";

  public static JournalDatabase of(Config config) {
    Config db = config.getConfig(CONFIG_PATH);
    return new JournalDatabase(db.getString("url"), db.getString("user"), db.getString("password"));
  }

  /**
   * The journal plugin's settings for a database given by URL ({@code framefarm.journal.url}): the driver and
   * slick profile follow from the URL, so that a configuration names the database and nothing else.
   *
   * @throws IllegalArgumentException for a URL that is neither PostgreSQL's nor H2's, or not well formed
   */
  public static Config pluginSettings(String url, String user, String password) {
    String driver;
    String profile;
    if (url.startsWith("jdbc:postgresql:")) {
      if (!url.startsWith("jdbc:postgresql://") || org.postgresql.Driver.parseURL(url, new Properties()) == null) {
        throw new IllegalArgumentException("journal URL " + safe(url) + " is not a PostgreSQL URL of the form "
            + "jdbc:postgresql://HOST:PORT/DATABASE");
      }
      driver = "org.postgresql.Driver";
      profile = "slick.jdbc.PostgresProfile$";
    } else if (url.startsWith("jdbc:h2:")) {
      driver = "org.h2.Driver";
      profile = "slick.jdbc.H2Profile$";
    } else {
      throw new IllegalArgumentException("journal URL " + safe(url) + " is not supported: use "
          + "jdbc:postgresql://HOST:PORT/DATABASE, or none for the embedded database in the data dir");
    }
    return ConfigFactory.empty()
        .withValue("pekko-persistence-jdbc.shared-databases.slick.profile", ConfigValueFactory.fromAnyRef(profile))
        .withValue(CONFIG_PATH + ".url", ConfigValueFactory.fromAnyRef(url))
        .withValue(CONFIG_PATH + ".driver", ConfigValueFactory.fromAnyRef(driver))
        .withValue(CONFIG_PATH + ".user", ConfigValueFactory.fromAnyRef(user))
        .withValue(CONFIG_PATH + ".password", ConfigValueFactory.fromAnyRef(password));
  }

  public boolean isPostgres() {
    return url.startsWith("jdbc:postgresql:");
  }

  /**
   * A connection whose connect and each read give up after {@code timeout} (PostgreSQL; H2 is in-process), so
   * that a database that stops answering fails a call instead of hanging the thread that made it.
   */
  public Connection connect(Duration timeout) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    if (isPostgres()) {
      String seconds = String.valueOf(Math.max(1, timeout.toSeconds()));
      properties.setProperty("connectTimeout", seconds);
      properties.setProperty("socketTimeout", seconds);
      properties.setProperty("loginTimeout", seconds);
    }
    return DriverManager.getConnection(url, properties);
  }

  /** The URL with any {@code password=} parameter masked, for messages and logs. */
  public String safeUrl() {
    return safe(url);
  }

  public static String safe(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  @Override
  public String toString() {
    return safeUrl() + " as " + user;
  }
}

package io.framefarm.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where a coordinator keeps its job journal. Unset: the embedded database in the data dir. The same settings
 * live in HOCON ({@code framefarm.journal}) and the environment ({@code FRAMEFARM_JOURNAL_URL},
 * {@code _USER}, {@code _PASSWORD}); a flag wins. The password is never printed.
 */
final class JournalOptions {
  @Option(names = "--journal-url", paramLabel = "JDBC-URL",
      description = "The job journal's database, jdbc:postgresql://HOST:PORT/DB for coordinators that take over "
          + "from each other (default: the embedded database in the data dir).")
  String url;

  @Option(names = "--journal-user", paramLabel = "USER", description = "The journal database's user.")
  String user;

  @Option(names = "--journal-password", paramLabel = "PASSWORD",
      description = "The journal database's password; prefer FRAMEFARM_JOURNAL_PASSWORD, which no process list "
          + "shows.")
  String password;

  /** The settings given on the command line, as configuration overrides. */
  Map<String, Object> overrides() {
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (url != null) {
      overrides.put("framefarm.journal.url", url);
    }
    if (user != null) {
      overrides.put("framefarm.journal.user", user);
    }
    if (password != null) {
      overrides.put("framefarm.journal.password", password);
    }
    return overrides;
  }
}

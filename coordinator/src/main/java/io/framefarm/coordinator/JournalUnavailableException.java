package io.framefarm.coordinator;

/** The journal's database could not be reached or prepared; the message names it without its password. */
public final class JournalUnavailableException extends IllegalStateException {
  public JournalUnavailableException(JournalDatabase db, Exception cause) {
    super("the job journal's database " + db.safeUrl() + " (user '" + db.user() + "') is not usable: "
        + cause.getMessage(), cause);
  }
}

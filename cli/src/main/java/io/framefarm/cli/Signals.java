package io.framefarm.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT handled by the farm instead of the JVM's default (run the shutdown hooks and exit 143),
 * so that a worker drains and then exits 0, as process supervisors expect of a clean stop.
 */
final class Signals {
  private Signals() {}

  /** Runs {@code action} on SIGTERM and SIGINT (on a thread of the JVM's), instead of exiting. */
  static void onTermination(Runnable action) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> action.run());
    }
  }
}

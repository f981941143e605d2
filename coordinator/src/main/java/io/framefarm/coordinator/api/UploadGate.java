package io.framefarm.coordinator.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Counts the uploads being written and closes for new ones when the coordinator stops: a stop lets the uploads
 * already under way finish (the drain), while a new one is refused at once rather than cut off halfway. Plain
 * Java, no Pekko types: the HTTP routes enter and leave it, coordinated shutdown drains it.
 */
public final class UploadGate {
  private int inFlight;
  private boolean draining;
  private final List<CompletableFuture<Void>> idle = new ArrayList<>();

  /** True, counting one more upload, unless the gate is draining. */
  synchronized boolean tryEnter() {
    if (draining) {
      return false;
    }
    inFlight++;
    return true;
  }

  /** An upload ended, stored or not. */
  synchronized void leave() {
    if (inFlight == 0) {
      throw new IllegalStateException("an upload left the gate more often than it entered");
    }
    inFlight--;
    if (inFlight == 0) {
      idle.forEach(f -> f.complete(null));
      idle.clear();
    }
  }

  /** Closes the gate for good; the answer completes once no upload is in flight (at once if none is). */
  public synchronized CompletableFuture<Void> drain() {
    draining = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (inFlight == 0) {
      done.complete(null);
    } else {
      idle.add(done);
    }
    return done;
  }

  public synchronized int inFlight() {
    return inFlight;
  }

  public synchronized boolean draining() {
    return draining;
  }
}

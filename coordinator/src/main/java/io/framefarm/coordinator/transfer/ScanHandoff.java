package io.framefarm.coordinator.transfer;

import io.framefarm.media.ProbeScan;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Scans the submit validation read the start of, left open for the job manager on the same node: its first chunks
 * are cut from that file with that index ({@link InputScan}), where they would otherwise wait for the file to be
 * opened again (for a long MP4, parsing the tables of every sample). A job manager on another node, or one that
 * never asks (the submission was refused after all), leaves them here: each is closed at the first park or take a
 * minute after it was parked. Thread-safe.
 */
public final class ScanHandoff {
  private static final long KEEP_NANOS = 60_000_000_000L;

  private record Parked(ProbeScan scan, long atNanos) {}

  private final Map<String, Deque<Parked>> parked = new HashMap<>();

  /** Leaves {@code scan} (open, part read) for whoever next scans its file here. */
  public void park(ProbeScan scan) {
    List<ProbeScan> stale;
    synchronized (this) {
      stale = expired();
      parked.computeIfAbsent(scan.file().toString(), k -> new ArrayDeque<>())
          .add(new Parked(scan, System.nanoTime()));
    }
    stale.forEach(ProbeScan::close);
  }

  /** A scan of {@code file} parked here, now the caller's to go on with and close; null if none. */
  ProbeScan take(String file) {
    List<ProbeScan> stale;
    Parked found;
    synchronized (this) {
      stale = expired();
      Deque<Parked> scans = parked.get(file);
      found = scans == null ? null : scans.poll();
      if (scans != null && scans.isEmpty()) {
        parked.remove(file);
      }
    }
    stale.forEach(ProbeScan::close);
    return found == null ? null : found.scan();
  }

  private List<ProbeScan> expired() {
    List<ProbeScan> stale = new ArrayList<>();
    long now = System.nanoTime();
    for (Iterator<Deque<Parked>> it = parked.values().iterator(); it.hasNext(); ) {
      Deque<Parked> scans = it.next();
      while (!scans.isEmpty() && now - scans.peek().atNanos() > KEEP_NANOS) {
        stale.add(scans.poll().scan());
      }
      if (scans.isEmpty()) {
        it.remove();
      }
    }
    return stale;
  }
}

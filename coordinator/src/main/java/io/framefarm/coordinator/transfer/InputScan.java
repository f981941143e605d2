package io.framefarm.coordinator.transfer;

import io.framefarm.media.ChunkRange;
import io.framefarm.media.MediaException;
import io.framefarm.media.MediaInfo;
import io.framefarm.media.ProbeLimits;
import io.framefarm.media.ProbeScan;
import io.framefarm.media.SegmentExtractor;
import io.framefarm.protocol.JobApi.PlannedChunk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One job's input, scanned on the media pool in steps ({@link ProbeScan}): a chunk can be cut as soon as the scan
 * has settled its frames, and the job manager hears of the chunks it can plan as the scan goes on. Each step queues
 * the next behind whatever else the pool has to do, so a long scan holds no thread for long. Thread-safe.
 */
final class InputScan {
  /** Packets read by the first step: about 1500 frames of video with its audio, in a few milliseconds. */
  private static final int FIRST_STEP = 4096;
  private static final int MAX_STEP = 65536;

  private record Waiter(int frames, CompletableFuture<MediaInfo> future) {}

  private final Path input;
  private final ProbeLimits limits;
  private final Executor executor;
  private final int firstStep;
  private final ScanHandoff handoff;
  private ProbeScan scan; // touched by one step at a time
  private boolean tookOver; // likewise
  private final List<Waiter> waiters = new ArrayList<>();
  private MediaInfo latest;
  private int settled;
  private boolean complete;
  private RuntimeException failure;
  private Transfers.PlanListener listener;
  private int chunkFrames;
  private int reported;
  private volatile boolean cancelled;
  private final Object cutting = new Object();
  private SegmentExtractor.Input cutter; // guarded by cutting

  private InputScan(Path input, ProbeLimits limits, Executor executor, int firstStep, ScanHandoff handoff) {
    this.input = input;
    this.limits = limits;
    this.executor = executor;
    this.firstStep = firstStep;
    this.handoff = handoff;
  }

  /** Goes on with the validation's scan of {@code input} if {@code handoff} holds one, else opens the input. */
  static InputScan start(Path input, ProbeLimits limits, Executor executor, ScanHandoff handoff) {
    return start(input, limits, executor, FIRST_STEP, handoff);
  }

  /** With steps from {@code firstStep} packets up: tests read a short file in many. */
  static InputScan start(Path input, ProbeLimits limits, Executor executor, int firstStep, ScanHandoff handoff) {
    InputScan s = new InputScan(input, limits, executor, firstStep, handoff);
    executor.execute(s::step);
    return s;
  }

  /** The index as soon as it settles frames {@code [0, end]} (the frame at {@code end} bounds a range), or all. */
  synchronized CompletableFuture<MediaInfo> covering(int end) {
    CompletableFuture<MediaInfo> future = new CompletableFuture<>();
    if (failure != null) {
      future.completeExceptionally(failure);
    } else if (covers(end)) {
      future.complete(latest);
    } else {
      waiters.add(new Waiter(end, future));
    }
    return future;
  }

  /** The whole index, once the scan ends. */
  CompletableFuture<MediaInfo> whole() {
    return covering(Integer.MAX_VALUE);
  }

  /**
   * Reports to {@code planListener} the chunks of {@code frames} frames the scan fixes, from the first, as it goes
   * on; at the end all of them again from the first, for the job manager to check against what it planned before.
   */
  synchronized void plan(int frames, Transfers.PlanListener planListener) {
    this.chunkFrames = frames;
    this.listener = planListener;
    this.reported = 0;
    if (failure != null) {
      planListener.failed(failure.getMessage());
    } else if (complete) {
      executor.execute(() -> report(latest, settled, true));
    }
  }

  /**
   * Cuts a chunk's packets from the input, opened once for all of the job's chunks (opening a long MP4 parses an
   * index of every sample, which costs more than cutting a chunk); one cut at a time.
   */
  void extract(MediaInfo info, ChunkRange range, Path out) {
    synchronized (cutting) {
      if (cancelled) {
        throw new MediaException(input, "scan cancelled: its job ended");
      }
      if (cutter == null) {
        cutter = SegmentExtractor.Input.open(info);
      }
      try {
        SegmentExtractor.extract(cutter, info, range, out);
      } catch (RuntimeException e) {
        cutter.close(); // opened again for the next chunk, in a known state
        cutter = null;
        throw e;
      }
    }
  }

  /** Stops the scan at its next step and closes the input; returns at once (a cut under way ends first). */
  void cancel() {
    cancelled = true;
    executor.execute(() -> {
      synchronized (cutting) {
        if (cutter != null) {
          cutter.close();
          cutter = null;
        }
      }
    });
  }

  private boolean covers(int end) {
    return latest != null && (complete ? end == Integer.MAX_VALUE || end <= settled : end < settled);
  }

  private void step() {
    try {
      if (cancelled) {
        throw new MediaException(input, "scan cancelled: its job ended");
      }
      if (!tookOver) {
        tookOver = true;
        if (takeOver()) {
          executor.execute(this::step); // the scan itself opens the file anew, while the first chunks are cut
          return;
        }
      }
      if (scan == null) {
        scan = ProbeScan.open(input, limits);
      }
      boolean done = scan.advance(Math.min(MAX_STEP, Math.max(firstStep, scan.packets() * 2)));
      if (scan.packets() > 0 && (done || wanted())) {
        publish(scan.snapshot(), scan.settledFrames(), done);
      }
      if (done) {
        scan.close();
      } else {
        executor.execute(this::step);
      }
    } catch (RuntimeException e) {
      if (scan != null) {
        scan.close();
      }
      fail(e);
    }
  }

  /**
   * Takes over the scan the validation on this node left (the input's start, read to plan the first chunks): its
   * index is this scan's first, and its open file cuts the chunks, so that the first chunk is cut without opening
   * the file again (for a long MP4, parsing an index of every sample). The scan goes on from a file of its own.
   */
  private boolean takeOver() {
    ProbeScan parked = handoff.take(input.toString());
    if (parked == null) {
      return false;
    }
    try {
      MediaInfo info = parked.snapshot();
      int settledFrames = parked.settledFrames();
      synchronized (cutting) {
        cutter = SegmentExtractor.Input.takeOver(parked);
      }
      publish(info, settledFrames, false);
      return true;
    } catch (RuntimeException e) {
      parked.close();
      return false;
    }
  }

  /** Whether anyone waits for a snapshot now: a chunk to cut, or a job manager to tell. */
  private synchronized boolean wanted() {
    return !waiters.isEmpty() || listener != null;
  }

  private void publish(MediaInfo info, int settledFrames, boolean done) {
    List<CompletableFuture<MediaInfo>> ready = new ArrayList<>();
    synchronized (this) {
      if (!done && settledFrames < settled) {
        return; // a fresh scan not yet as far as the one it took over from
      }
      latest = info;
      settled = settledFrames;
      complete = done;
      waiters.removeIf(w -> covers(w.frames()) && ready.add(w.future()));
    }
    report(info, settledFrames, done);
    ready.forEach(f -> f.complete(info));
  }

  private void report(MediaInfo info, int settledFrames, boolean done) {
    Transfers.PlanListener l;
    List<PlannedChunk> fresh;
    int first;
    synchronized (this) {
      if (listener == null) {
        return;
      }
      List<PlannedChunk> chunks = ChunkPlans.plannable(info.frames(), settledFrames, done, chunkFrames);
      first = done ? 0 : reported;
      if (!done && chunks.size() <= reported) {
        return;
      }
      fresh = chunks.subList(first, chunks.size());
      reported = chunks.size();
      l = listener;
    }
    l.planned(first, fresh, done);
  }

  private void fail(RuntimeException e) {
    List<Waiter> waiting;
    Transfers.PlanListener l;
    synchronized (this) {
      failure = e;
      waiting = new ArrayList<>(waiters);
      waiters.clear();
      l = listener;
    }
    if (l != null && !cancelled) {
      l.failed(e.getMessage()); // the job manager first, so that the job fails for this reason, not its chunks
    }
    waiting.forEach(w -> w.future().completeExceptionally(e));
  }
}

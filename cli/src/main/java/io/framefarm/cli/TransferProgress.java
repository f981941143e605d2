package io.framefarm.cli;

import java.io.PrintStream;

/**
 * One terminal line for an upload or a download ({@code Uploading in.mp4  12.5 MiB / 40.0 MiB  31 %}), redrawn
 * at most a few times a second: a fast local transfer must not flood a log with lines.
 */
final class TransferProgress {
  private static final long REDRAW_NANOS = 250_000_000L;

  private final PrintStream out;
  private final String what;
  private long total;
  private long lastDrawn = Long.MIN_VALUE;
  private int shown;

  TransferProgress(PrintStream out, String what) {
    this.out = out;
    this.what = what;
  }

  /** The size, once known (a download learns it from the answer); 0 or less when unknown. */
  synchronized void total(long bytes) {
    this.total = bytes;
  }

  synchronized void update(long bytes) {
    long now = System.nanoTime();
    if (lastDrawn != Long.MIN_VALUE && now - lastDrawn < REDRAW_NANOS && bytes < total) {
      return;
    }
    lastDrawn = now;
    draw(bytes);
  }

  /** The last line, ended. */
  synchronized void done(long bytes) {
    draw(bytes);
    out.println();
  }

  private void draw(long bytes) {
    String line = what + "  " + Bytes.human(bytes) + (total > 0 ? " / " + Bytes.human(total) + "  "
        + (100 * bytes / total) + " %" : "");
    out.print("\r" + line + " ".repeat(Math.max(0, shown - line.length())));
    out.flush();
    shown = line.length();
  }
}

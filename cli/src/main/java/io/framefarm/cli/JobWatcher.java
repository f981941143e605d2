package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.Set;

/**
 * Follows a job until it ends, drawing a progress bar (frames, fps, ETA, state, and why it waits when the
 * scheduler says) on one terminal line.
 */
final class JobWatcher {
  private static final Set<String> FINISHED = Set.of("COMPLETED", "FAILED", "CANCELLED");
  private static final int BAR_WIDTH = 30;

  private JobWatcher() {}

  /** Polls until the job finishes; returns its last status. */
  static JsonNode follow(FarmClient client, String jobId, PrintStream out) throws InterruptedException {
    long started = System.nanoTime();
    int startFrames = -1;
    int shown = 0;
    JsonNode job = client.job(jobId);
    while (!FINISHED.contains(job.path("state").asText())) {
      int done = job.path("framesDone").asInt();
      int total = job.path("totalFrames").asInt();
      if (startFrames < 0) {
        startFrames = done;
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      // While the input is still read, the total is so far: the state says so, and no ETA is made up from it.
      String state = job.path("planning").asBoolean() ? job.path("state").asText() + " (reading input)"
          : job.path("state").asText();
      String line = line(state, done, total, job.path("planning").asBoolean() ? 0
              : (done - startFrames) / Math.max(seconds, 1e-3))
          + (job.path("waiting").isTextual() ? job.path("waiting").asText() + "   " : "");
      // Spaces over what a longer line before left on the terminal.
      out.print("\r" + line + " ".repeat(Math.max(0, shown - line.length())));
      shown = line.length();
      out.flush();
      Thread.sleep(500); // polling interval of an interactive progress bar, not a test wait
      job = client.job(jobId);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    int total = job.path("totalFrames").asInt();
    String last = line(job.path("state").asText(), job.path("framesDone").asInt(), total,
        Math.max(0, job.path("framesDone").asInt() - Math.max(startFrames, 0)) / Math.max(seconds, 1e-3));
    out.print("\r" + last + " ".repeat(Math.max(0, shown - last.length())));
    out.println();
    return job;
  }

  static String line(String state, int done, int total, double fps) {
    int filled = total == 0 ? 0 : (int) ((long) BAR_WIDTH * done / total);
    String bar = "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);
    String eta = fps <= 0.01 || done >= total ? "--" : formatSeconds((total - done) / fps);
    return String.format("[%s] %d/%d frames  %.1f fps  ETA %s  %s   ", bar, done, total, fps, eta, state);
  }

  static String formatSeconds(double s) {
    long total = Math.round(s);
    return total >= 3600 ? String.format("%dh%02dm", total / 3600, (total % 3600) / 60)
        : total >= 60 ? String.format("%dm%02ds", total / 60, total % 60) : total + "s";
  }
}

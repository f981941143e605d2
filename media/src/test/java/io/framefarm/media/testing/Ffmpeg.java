package io.framefarm.media.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system's {@code ffmpeg} / {@code ffprobe} (Debian's 5.1) for tests: an implementation independent of the
 * FFmpeg build the media module links, used to make inputs and to check outputs.
 */
public final class Ffmpeg {
  private static final long TIMEOUT_MINUTES = 5;

  private Ffmpeg() {}

  /** Runs {@code ffmpeg -hide_banner -nostdin -loglevel error <args>}, returning stdout; fails with stderr. */
  public static String ffmpeg(List<String> args) {
    List<String> command = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error"));
    command.addAll(args);
    return run(command);
  }

  /** Runs {@code ffprobe -v error <args>}, returning stdout. */
  public static String ffprobe(List<String> args) {
    List<String> command = new ArrayList<>(List.of("ffprobe", "-v", "error"));
    command.addAll(args);
    return run(command);
  }

  static String run(List<String> command) {
    return runCapturing(command)[0];
  }

  /** Runs {@code command}; returns {stdout, stderr}, failing with stderr on a non-zero exit. */
  static String[] runCapturing(List<String> command) {
    Path stderr = null;
    try {
      stderr = Files.createTempFile("ffmpeg-", ".stderr");
      Process process = new ProcessBuilder(command)
          .redirectError(stderr.toFile())
          .start();
      process.getOutputStream().close(); // nothing on stdin
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", command));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("exit " + process.exitValue() + ": " + String.join(" ", command) + "\n"
            + Files.readString(stderr, StandardCharsets.UTF_8));
      }
      return new String[] {new String(out, StandardCharsets.UTF_8),
          Files.readString(stderr, StandardCharsets.UTF_8)};
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0) + " (is ffmpeg installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    } finally {
      if (stderr != null) {
        try {
          Files.deleteIfExists(stderr);
        } catch (IOException ignored) {
          // a leftover temp file is harmless
        }
      }
    }
  }
}

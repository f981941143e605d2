package io.framefarm.bench;

import io.framefarm.media.SampleVideo;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a test video for the end-to-end benchmarks, in its own process so that its memory never
 * counts in a benchmark's. Keeps a file already there. Usage:
 * {@code MakeSampleVideo OUT SECONDS WIDTH HEIGHT [FPS=30]}.
 */
public final class MakeSampleVideo {
  public static void main(String[] args) {
    Path out = Path.of(args[0]);
    if (Files.isRegularFile(out)) {
      System.out.println("kept " + out);
      return;
    }
    long started = System.nanoTime();
    SampleVideo.generate(out, Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
        args.length > 4 ? Integer.parseInt(args[4]) : 30);
    System.out.printf("wrote %s in %.1f s%n", out, (System.nanoTime() - started) / 1e9);
  }
}

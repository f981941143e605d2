package io.framefarm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.cli.BenchFarm;
import io.framefarm.cli.FarmClient;
import io.framefarm.cli.FarmNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 10, figure 2: the farm against the ffmpeg command doing the same work on the same cores, as a regression
 * guard for transcode-bound jobs. {@code invert} (libx264 veryfast, crf 18) against {@code ffmpeg -vf lutyuv=negval}
 * with the same settings, and {@code identity --lossless} (libx264 ultrafast, qp 0) against {@code ffmpeg -c:v
 * libx264 -preset ultrafast -qp 0}; audio copied by both. Runs alternate (farm, ffmpeg) RUNS times after one
 * warm-up of each; the farm's time is from just before submitting to the job's finish, on an embedded farm with
 * SLOTS CPU slots; ffmpeg's from starting the process to its exit.
 *
 * <p>Usage: {@code TranscodeBench INPUT [RUNS=3] [SLOTS=2]}; needs {@code ffmpeg} on the PATH.
 */
public final class TranscodeBench {
  private record Case(String pipeline, boolean lossless, List<String> ffmpegVideo) {}

  private static final List<Case> CASES = List.of(
      new Case("invert", false, List.of("-vf", "lutyuv=y=negval:u=negval:v=negval", "-c:v", "libx264", "-preset",
          "veryfast", "-crf", "18")),
      new Case("identity", true, List.of("-c:v", "libx264", "-preset", "ultrafast", "-qp", "0")));

  public static void main(String[] args) throws Exception {
    Path input = Path.of(args[0]).toAbsolutePath();
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int slots = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path dataDir = Files.createTempDirectory("framefarm-transcode");
    Path local = Files.createSymbolicLink(dataDir.resolve("input.mp4"), input); // inside an allowed root
    try (FarmNode farm = BenchFarm.embedded(dataDir, slots, Map.of())) {
      FarmClient client = new FarmClient(farm.apiUrl());
      for (Case c : CASES) {
        List<Double> farmSeconds = new ArrayList<>();
        List<Double> ffmpegSeconds = new ArrayList<>();
        farm(client, local, c, dataDir.resolve("warm-" + c.pipeline() + ".mp4"));
        ffmpeg(input, c, dataDir.resolve("warm-ffmpeg.mp4"));
        for (int run = 1; run <= runs; run++) {
          double f = farm(client, local, c, dataDir.resolve(c.pipeline() + "-" + run + ".mp4"));
          double g = ffmpeg(input, c, dataDir.resolve("ffmpeg-" + run + ".mp4"));
          farmSeconds.add(f);
          ffmpegSeconds.add(g);
          System.out.printf(Locale.ROOT, "%s%s run %d: farm %.2f s, ffmpeg %.2f s%n", c.pipeline(),
              c.lossless() ? " --lossless" : "", run, f, g);
        }
        double fm = BenchJobs.median(farmSeconds);
        double gm = BenchJobs.median(ffmpegSeconds);
        System.out.printf(Locale.ROOT, "%s%s median: farm %.2f s, ffmpeg %.2f s, farm/ffmpeg %.3f (goal <= 1.0)%n",
            c.pipeline(), c.lossless() ? " --lossless" : "", fm, gm, fm / gm);
      }
    }
  }

  private static double farm(FarmClient client, Path input, Case c, Path out) throws InterruptedException {
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("input", input.toString());
    job.put("output", out.toString());
    job.put("pipeline", c.pipeline());
    job.put("lossless", c.lossless());
    long submitted = System.currentTimeMillis();
    JsonNode status = BenchJobs.run(client, job);
    return (status.path("finishedAtMillis").asLong() - submitted) / 1000.0;
  }

  private static double ffmpeg(Path input, Case c, Path out) throws Exception {
    List<String> command = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i",
        input.toString()));
    command.addAll(c.ffmpegVideo());
    command.addAll(List.of("-c:a", "copy", out.toString()));
    long start = System.nanoTime();
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("ffmpeg failed: " + command);
    }
    return (System.nanoTime() - start) / 1e9;
  }
}

package io.framefarm.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.cli.BenchFarm;
import io.framefarm.cli.FarmClient;
import io.framefarm.cli.FarmNode;
import io.framefarm.media.Probe;
import io.framefarm.media.ProbeLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;

/**
 * Issue 10, figure 5: the time from the start of the submit request ({@code POST /api/v1/jobs}, what {@code farm
 * submit} sends) to the first chunk's assignment, for a short and a long video, on one embedded farm. The
 * assignment's instant is when the job manager tells the worker ({@code AssignChunk}, after the chunk's input was
 * cut), read from the job manager's debug line for it in this process; the coordinator runs on this JVM's clock.
 * Each job is cancelled once its first chunk is assigned. Runs alternate SHORT and LONG, after one warm-up job.
 *
 * <p>Usage: {@code SubmitLatencyBench SHORT_VIDEO LONG_VIDEO [RUNS=3] [CHUNK_FRAMES=240]}.
 */
public final class SubmitLatencyBench {
  private static final long ASSIGN_TIMEOUT_MILLIS = 15 * 60_000;
  private static final int SLOTS = 4;

  /** Milliseconds from the start of the request: the 201 (the job accepted), the lease, the assignment. */
  private record Run(long accepted, long leased, long assigned) {}

  /** The first assignment of each job, by the time its log event was made. */
  private static final Map<String, Long> ASSIGNED = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    Map<String, Path> videos = new LinkedHashMap<>();
    videos.put("SHORT", Path.of(args[0]).toAbsolutePath());
    videos.put("LONG", Path.of(args[1]).toAbsolutePath());
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int chunkFrames = args.length > 3 ? Integer.parseInt(args[3]) : 240;
    captureAssignments();

    for (var v : videos.entrySet()) {
      Probe.probe(v.getValue(), ProbeLimits.DEFAULT); // warm-up: libraries loaded, file in the page cache
      long start = System.nanoTime();
      var info = Probe.probe(v.getValue(), ProbeLimits.DEFAULT);
      System.out.printf(Locale.ROOT, "%s: %s, %d frames, %.0f s; one full probe (packet scan) here: %d ms%n",
          v.getKey(), v.getValue().getFileName(), info.frames().frameCount(), info.durationSeconds(),
          (System.nanoTime() - start) / 1_000_000);
    }

    Path dataDir = Files.createTempDirectory("framefarm-submit");
    Map<String, Object> overrides = Map.of("framefarm.coordinator.allowed-roots",
        List.of(dataDir.toString(), videos.get("SHORT").getParent().toString(),
            videos.get("LONG").getParent().toString()));
    Map<String, List<Run>> results = new LinkedHashMap<>();
    try (FarmNode farm = BenchFarm.embedded(dataDir, SLOTS, overrides)) {
      FarmClient client = new FarmClient(farm.apiUrl());
      while (client.nodes().path("devices").size() < SLOTS) {
        Thread.sleep(50); // until every slot's device has reported
      }
      run(client, videos.get("SHORT"), dataDir, chunkFrames, 0); // warm-up, not counted
      int n = 0;
      for (int run = 1; run <= runs; run++) {
        for (var v : videos.entrySet()) {
          Run r = run(client, v.getValue(), dataDir, chunkFrames, ++n);
          results.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(r);
          System.out.printf(Locale.ROOT, "run %d %-5s: submit -> first chunk assigned %6d ms (201 after %6d ms,"
              + " leased after %6d ms)%n", run, v.getKey(), r.assigned(), r.accepted(), r.leased());
        }
      }
    }
    Map<String, double[]> medians = new LinkedHashMap<>();
    for (var e : results.entrySet()) {
      List<Run> rs = e.getValue();
      double assigned = BenchJobs.median(rs.stream().mapToDouble(Run::assigned).toArray());
      double accepted = BenchJobs.median(rs.stream().mapToDouble(Run::accepted).toArray());
      double rest = BenchJobs.median(rs.stream().mapToDouble(r -> r.assigned() - r.accepted()).toArray());
      medians.put(e.getKey(), new double[] {assigned, accepted, rest});
      System.out.printf(Locale.ROOT, "median %-5s: %.0f ms to the first assignment = %.0f ms to the 201 (validation,"
          + " probe, journal) + %.0f ms after it (lease, cutting the chunk's input)%n", e.getKey(), assigned,
          accepted, rest);
    }
    System.out.printf(Locale.ROOT, "ratio LONG/SHORT: %.2f (goal <= 2)%n",
        medians.get("LONG")[0] / medians.get("SHORT")[0]);
  }

  private static Run run(FarmClient client, Path video, Path dataDir, int chunkFrames, int n) throws Exception {
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("input", video.toString());
    job.put("output", dataDir.resolve("out-" + n + ".mp4").toString());
    job.put("pipeline", "identity");
    job.put("chunkFrames", chunkFrames);
    long start = System.currentTimeMillis();
    String id = client.submit(job);
    long accepted = System.currentTimeMillis();
    long deadline = accepted + ASSIGN_TIMEOUT_MILLIS;
    while (!ASSIGNED.containsKey(id)) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(id + " had no chunk assigned: " + client.job(id));
      }
      Thread.sleep(2); // polling a map in this process: the instant itself is the log event's
    }
    JsonNode status = client.cancel(id);
    long leased = status.path("startedAtMillis").asLong();
    while (!client.job(id).path("state").asText().equals("CANCELLED")) {
      Thread.sleep(20);
    }
    Thread.sleep(2000); // the cancelled chunk's slot finishes or drops it before the next job
    return new Run(accepted - start, leased - start, ASSIGNED.get(id) - start);
  }

  /** Listens to the job manager's debug line for each assignment ({@code ChunkLeases}). */
  private static void captureAssignments() {
    Logger logger = (Logger) LoggerFactory.getLogger("io.framefarm.coordinator.jobs.ChunkLeases");
    AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        Object[] args = event.getArgumentArray();
        if (event.getMessage().startsWith("Assigned") && args != null && args.length > 0) {
          ASSIGNED.putIfAbsent(String.valueOf(args[0]), event.getTimeStamp());
        }
      }
    };
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.setLevel(Level.DEBUG);
    logger.setAdditive(false);
    logger.addAppender(appender);
  }
}

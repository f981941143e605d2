package io.framefarm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.cli.BenchFarm;
import io.framefarm.cli.FarmClient;
import io.framefarm.cli.FarmNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * One job end to end on the embedded farm in this process, sampled every 200 ms: frames done (job
 * status), process RSS, JVM heap and direct buffers, and the memory managers' used and peak bytes
 * (from {@code GET /api/v1/nodes}). Prints fps over the first and the last tenth of the frames and the
 * peaks; run it on a video and on one ten times longer to see that memory stays flat.
 *
 * <p>Usage: {@code LongVideoBench INPUT [PIPELINE=invert] [CPU_SLOTS=1] [CHUNK_FRAMES=240]}; writes
 * {@code INPUT-PIPELINE.timeline.csv}. Set {@code -Dframefarm.home} for named pipeline files.
 */
public final class LongVideoBench {
  private static final long POLL_MILLIS = 200;
  private static final double MIB = 1024.0 * 1024;

  record Sample(long atMillis, String state, int framesDone, long rssBytes, long heapUsedBytes, long heapCommittedBytes,
      long nonHeapCommittedBytes, long directBytes, long managerUsedBytes, long managerPeakBytes) {}

  public static void main(String[] args) throws Exception {
    Path input = Path.of(args[0]).toAbsolutePath();
    String pipeline = args.length > 1 ? args[1] : "invert";
    int slots = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    int chunkFrames = args.length > 3 ? Integer.parseInt(args[3]) : 240;
    Path dataDir = Files.createTempDirectory("framefarm-bench");
    try (FarmNode farm = BenchFarm.embedded(dataDir, slots, Map.of())) {
      FarmClient client = new FarmClient(farm.apiUrl());
      awaitDevices(client, slots);
      long idleRss = rssBytes();
      Map<String, Object> job = new LinkedHashMap<>();
      job.put("input", input.toString());
      job.put("output", dataDir.resolve("out.mp4").toString());
      job.put("pipeline", pipeline);
      job.put("chunkFrames", chunkFrames);
      String id = client.submit(job);
      List<Sample> samples = new ArrayList<>();
      JsonNode status;
      do {
        Thread.sleep(POLL_MILLIS); // sampling period
        status = client.job(id);
        samples.add(sample(status, client.nodes()));
      } while (!List.of("COMPLETED", "FAILED", "CANCELLED").contains(status.path("state").asText()));
      if (!status.path("state").asText().equals("COMPLETED")) {
        throw new IllegalStateException("job did not complete: " + status);
      }
      writeTimeline(Path.of(input + "-" + pipeline + ".timeline.csv"), samples);
      report(input, pipeline, slots, status, samples, idleRss);
    } finally {
      deleteRecursively(dataDir);
    }
  }

  private static void report(Path input, String pipeline, int slots, JsonNode status, List<Sample> samples,
      long idleRss) {
    int total = status.path("totalFrames").asInt();
    long started = status.path("startedAtMillis").asLong();
    // Progress arrives about once a second per chunk: interpolate between the moments a new count was first seen.
    List<long[]> points = new ArrayList<>();
    points.add(new long[] {started, 0});
    for (Sample s : samples) {
      if (s.framesDone() > points.get(points.size() - 1)[1]) {
        points.add(new long[] {s.atMillis(), s.framesDone()});
      }
    }
    int tenth = total / 10;
    double firstFps = tenth / seconds(started, at(points, tenth));
    double lastFps = tenth / seconds(at(points, total - tenth), at(points, total));
    double allFps = total / seconds(started, at(points, total));
    System.out.printf("input=%s pipeline=%s slots=%d frames=%d chunks=%d%n", input.getFileName(), pipeline, slots,
        total, status.path("chunks").asInt());
    System.out.printf("fps: first tenth %.1f, last tenth %.1f (last/first %.2f), all frames %.1f;"
        + " submit to completed %.1f s%n", firstFps, lastFps, lastFps / firstFps, allFps,
        (status.path("finishedAtMillis").asLong() - status.path("submittedAtMillis").asLong()) / 1000.0);
    List<Sample> firstHalf = samples.stream().filter(s -> s.framesDone() < total / 2).toList();
    List<Sample> secondHalf = samples.stream().filter(s -> s.framesDone() >= total / 2).toList();
    System.out.printf("memory: RSS idle %s, peak %s (first half of frames %s, second half %s; VmHWM %s)%n",
        mib(idleRss), mib(max(samples, Sample::rssBytes)), mib(max(firstHalf, Sample::rssBytes)),
        mib(max(secondHalf, Sample::rssBytes)), mib(procStatus("VmHWM")));
    System.out.printf("memory peaks: heap used %s, heap committed %s, non-heap committed %s, direct buffers %s;"
        + " manager used %s, manager peakBytes %s%n", mib(max(samples, Sample::heapUsedBytes)),
        mib(max(samples, Sample::heapCommittedBytes)), mib(max(samples, Sample::nonHeapCommittedBytes)),
        mib(max(samples, Sample::directBytes)),
        mib(max(samples, Sample::managerUsedBytes)), mib(max(samples, Sample::managerPeakBytes)));
    // One line per run, for collecting medians over repeated runs.
    System.out.printf("RESULT\t%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f%n", input.getFileName(), pipeline,
        total, firstFps, lastFps, allFps, max(samples, Sample::rssBytes) / MIB, max(firstHalf, Sample::rssBytes) / MIB,
        max(secondHalf, Sample::rssBytes) / MIB, max(samples, Sample::managerPeakBytes) / MIB);
  }

  private static Sample sample(JsonNode status, JsonNode nodes) {
    long used = 0;
    long peak = 0;
    for (JsonNode device : nodes.path("devices")) {
      used += device.path("usedBytes").asLong();
      peak += device.path("peakBytes").asLong();
    }
    long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    MemoryMXBean jvm = ManagementFactory.getMemoryMXBean();
    return new Sample(System.currentTimeMillis(), status.path("state").asText(), status.path("framesDone").asInt(),
        rssBytes(), jvm.getHeapMemoryUsage().getUsed(), jvm.getHeapMemoryUsage().getCommitted(),
        jvm.getNonHeapMemoryUsage().getCommitted(), direct, used, peak);
  }

  private static void awaitDevices(FarmClient client, int devices) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (client.nodes().path("devices").size() < devices) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("no memory report from the worker's devices within 60 s");
      }
      Thread.sleep(100); // waiting for the worker's first memory report
    }
  }

  /** When {@code frames} were done, by linear interpolation between observed points. */
  private static long at(List<long[]> points, long frames) {
    for (int i = 1; i < points.size(); i++) {
      long[] a = points.get(i - 1);
      long[] b = points.get(i);
      if (b[1] >= frames) {
        return a[0] + Math.round((double) (frames - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
      }
    }
    throw new IllegalStateException("never saw " + frames + " frames done");
  }

  private static double seconds(long fromMillis, long toMillis) {
    return (toMillis - fromMillis) / 1000.0;
  }

  private static long max(List<Sample> samples, ToLongFunction<Sample> value) {
    return samples.stream().mapToLong(value).max().orElse(0);
  }

  private static long rssBytes() {
    return procStatus("VmRSS");
  }

  private static long procStatus(String field) {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      String line = lines.filter(l -> l.startsWith(field + ":")).findFirst().orElseThrow();
      return Long.parseLong(line.replaceAll("\\D", "")) * 1024; // reported in kB
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / MIB);
  }

  private static void writeTimeline(Path csv, List<Sample> samples) throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv))) {
      out.println("atMillis,state,framesDone,rssBytes,heapUsedBytes,heapCommittedBytes,nonHeapCommittedBytes,"
          + "directBytes,managerUsedBytes,managerPeakBytes");
      for (Sample s : samples) {
        out.printf("%d,%s,%d,%d,%d,%d,%d,%d,%d,%d%n", s.atMillis(), s.state(), s.framesDone(), s.rssBytes(),
            s.heapUsedBytes(), s.heapCommittedBytes(), s.nonHeapCommittedBytes(), s.directBytes(),
            s.managerUsedBytes(), s.managerPeakBytes());
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

package io.framefarm.bench;

import io.framefarm.cli.FarmClient;
import io.framefarm.media.SampleVideo;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 10, figure 3: scale-out on simulated devices. For each K, a fresh coordinator process and
 * min(K, MAX_JVMS) worker processes ({@code farm coordinator}, {@code farm worker --simulated-devices K/JVMS
 * --simulated-frame-ms FRAME_MS}) on this machine, and enough jobs that each device does about CHUNKS_PER_DEVICE
 * chunks of CHUNK_FRAMES frames (jobs on one 160x120 video of VIDEO_CHUNKS chunks with a keyframe at every chunk
 * start, so that simulated devices pass segments through without decoding). All jobs are submitted at once, then
 * the workers' debug lines (logger {@code io.framefarm.worker.slot.WorkerSlot.assignments}) give every
 * assignment's request-to-assignment time and every acknowledged result's time.
 *
 * <p>Throughput: frames acknowledged between the moments 10 % and 90 % of all frames were acknowledged, over that
 * time (steady state: the ramp-up and the last chunks' tail left out). Ideal: K x the K = 1 throughput of the same
 * run. Request-to-assignment: from a slot's first request since it went idle to the assignment's arrival, both on
 * the worker (includes the job manager's mailbox, the lease's journal write, the segment cut and both hops), over
 * the assignments made in that steady window ("p99 all": over every assignment but each slot's first, which waited
 * for the jobs to be submitted). CPU: user + system seconds of the coordinator and of all workers
 * over the run, from /proc.
 *
 * <p>Usage: {@code ScaleOutBench [KS=1,4,16,64,256] [FRAME_MS=20] [CHUNKS_PER_DEVICE=4] [MAX_JVMS=8]
 * [CHUNK_FRAMES=30] [VIDEO_CHUNKS=32]}. The classpath must hold the cli module (bench/target/lib does).
 */
public final class ScaleOutBench {
  private static final Pattern ASSIGNED = Pattern.compile(
      "^(\\S+ \\S+) .* assigned (\\S+) \\S+ chunk \\d+ \\((\\d+) frames\\) (\\d+) us after its request");
  private static final Pattern ACKNOWLEDGED = Pattern.compile(
      "^(\\S+ \\S+) .* acknowledged \\S+ \\S+ chunk \\d+ \\((\\d+) frames\\)");
  private static final DateTimeFormatter ISO8601 = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
  private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

  private record Result(int k, int jvms, int frames, double wallSeconds, double fps, double p50Ms, double p99Ms,
      double p99AllMs, int assignments, double windowSeconds, double coordinatorCpu, double workersCpu,
      double pickedP50Ms, double pickedP99Ms) {}

  public static void main(String[] args) throws Exception {
    int[] ks = Arrays.stream((args.length > 0 ? args[0] : "1,4,16,64,256").split(",")).mapToInt(Integer::parseInt)
        .toArray();
    int frameMs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int chunksPerDevice = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    int maxJvms = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    int chunkFrames = args.length > 4 ? Integer.parseInt(args[4]) : 30;
    int videoChunks = args.length > 5 ? Integer.parseInt(args[5]) : 32;
    Path root = Path.of(System.getProperty("framefarm.home", "."), "bench", "target", "scaleout").toAbsolutePath();
    Files.createDirectories(root);
    int seconds = videoChunks * chunkFrames / 30;
    Path video = root.resolve("video-" + seconds + "s-160x120-gop" + chunkFrames + ".mp4");
    if (!Files.isRegularFile(video)) {
      SampleVideo.generate(video, seconds, 160, 120, 30, chunkFrames);
    }
    Path logback = Files.writeString(root.resolve("logback-scaleout.xml"), """
        <configuration>
          <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
            <target>System.err</target>
            <encoder><pattern>%d{ISO8601} %-5level %logger{20} - %msg%n</pattern></encoder>
          </appender>
          <logger name="org.apache.pekko" level="WARN"/>
          <logger name="org.apache.pekko.util.ManifestInfo" level="ERROR"/>
          <logger name="io.framefarm" level="INFO"/>
          <logger name="io.framefarm.worker.slot.WorkerSlot.assignments" level="DEBUG"/>
          <root level="WARN"><appender-ref ref="STDERR"/></root>
        </configuration>
        """);
    System.out.printf(Locale.ROOT, "scale-out: K=%s simulated devices at %d ms/frame, about %d chunks of %d frames"
        + " per device, jobs of %d chunks on %s, up to %d worker JVMs, %d cores%n", Arrays.toString(ks), frameMs,
        chunksPerDevice, chunkFrames, videoChunks, video.getFileName(), maxJvms,
        Runtime.getRuntime().availableProcessors());
    List<Result> results = new ArrayList<>();
    for (int k : ks) {
      Result r = run(root.resolve("k" + k), video, logback, k, Math.min(k, maxJvms), frameMs,
          Math.max(1, (int) Math.ceil((double) k * chunksPerDevice / videoChunks)), chunkFrames);
      results.add(r);
      System.out.printf(Locale.ROOT, "K=%d done: %d frames in %.1f s, %.0f frames/s steady, request->assignment"
          + " p50 %.1f ms p99 %.1f ms (all %d: p99 %.1f ms); coordinator pick->assignment p50 <= %.1f ms p99 <= %.1f"
          + " ms; CPU s over %.1f s: coordinator %.1f, workers %.1f%n", k, r.frames(), r.wallSeconds(), r.fps(),
          r.p50Ms(), r.p99Ms(), r.assignments(), r.p99AllMs(), r.pickedP50Ms(), r.pickedP99Ms(), r.windowSeconds(),
          r.coordinatorCpu(), r.workersCpu());
    }
    double base = results.stream().filter(r -> r.k() == 1).mapToDouble(Result::fps).findFirst()
        .orElse(results.get(0).fps() / results.get(0).k());
    System.out.println();
    System.out.println("|   K | JVMs | frames/s | ideal K x base | ratio | p50 req->assign ms | p99 req->assign ms"
        + " | p99 all ms | coord pick->assign p50/p99 ms | coord CPU s | workers CPU s | window s |");
    System.out.println("|----:|-----:|---------:|---------------:|------:|-------------------:|-------------------:"
        + "|-----------:|-----------------------------:|------------:|--------------:|---------:|");
    for (Result r : results) {
      System.out.printf(Locale.ROOT, "| %3d | %4d | %8.0f | %14.0f | %5.2f | %18.1f | %18.1f | %10.1f | %13s / %-13s"
          + " | %11.1f | %13.1f | %8.1f |%n", r.k(), r.jvms(), r.fps(), r.k() * base, r.fps() / (r.k() * base),
          r.p50Ms(), r.p99Ms(), r.p99AllMs(), "<= " + r.pickedP50Ms(), "<= " + r.pickedP99Ms(), r.coordinatorCpu(),
          r.workersCpu(), r.windowSeconds());
    }
    System.out.printf(Locale.ROOT, "goal: ratio >= 0.9 and p99 <= 50 ms; one device ideally does %.0f frames/s%n",
        1000.0 / frameMs);
  }

  private static Result run(Path dir, Path video, Path logback, int k, int jvms, int frameMs, int jobs,
      int chunkFrames) throws Exception {
    deleteRecursively(dir);
    Files.createDirectories(dir);
    int clusterPort = freePort();
    int httpPort = freePort();
    List<Process> workers = new ArrayList<>();
    Process coordinator = start(dir.resolve("coordinator.log"), logback, "-Xmx1g", "coordinator",
        "--port", String.valueOf(clusterPort), "--http-port", String.valueOf(httpPort),
        "--data-dir", dir.resolve("coordinator").toString(), "--allowed-root", dir.getParent().toString());
    try {
      FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
      awaitUp(client, coordinator);
      // Two worker JVMs at a time (as many as there are cores here): nine JVMs starting at once on two cores delay
      // heartbeats past what the failure detector accepts, and the cluster downs some of them.
      int reported = 0;
      for (int i = 0; i < jvms; i++) {
        int devices = k / jvms + (i < k % jvms ? 1 : 0);
        workers.add(start(dir.resolve("worker-" + i + ".log"), logback, "-Xmx384m", "worker",
            "--seed-nodes", "127.0.0.1:" + clusterPort, "--simulated-devices", String.valueOf(devices),
            "--simulated-frame-ms", String.valueOf(frameMs), "--data-dir", dir.resolve("worker-" + i).toString()));
        reported += devices;
        if (i % 2 == 0 && i + 1 < jvms) {
          continue;
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (client.nodes().path("devices").size() < reported) {
          if (System.nanoTime() > deadline || workers.stream().anyMatch(w -> !w.isAlive())) {
            throw new IllegalStateException(reported + " devices did not report within 2 minutes; see " + dir);
          }
          Thread.sleep(100);
        }
      }
      // What the JVMs spend doing nothing (heartbeats, gossip, memory reports every 2 s per device), over 5 s.
      double idleCoordinator = cpuSeconds(coordinator);
      double idleWorkers = workers.stream().mapToDouble(ScaleOutBench::cpuSeconds).sum();
      Thread.sleep(5000);
      System.out.printf(Locale.ROOT, "K=%d idle CPU: coordinator %.2f cores, workers %.2f cores%n", k,
          (cpuSeconds(coordinator) - idleCoordinator) / 5,
          (workers.stream().mapToDouble(ScaleOutBench::cpuSeconds).sum() - idleWorkers) / 5);
      double coordinatorCpuBefore = cpuSeconds(coordinator);
      refusals = 0;
      double workersCpuBefore = workers.stream().mapToDouble(ScaleOutBench::cpuSeconds).sum();
      long submitted = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int j = 0; j < jobs; j++) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("input", video.toString());
        job.put("output", dir.resolve("out-" + j + ".mp4").toString());
        job.put("pipeline", "identity");
        job.put("chunkFrames", chunkFrames);
        ids.add(submit(client, job));
      }
      System.out.printf(Locale.ROOT, "K=%d: %d jobs submitted in %.1f s (%d refused as the job manager was too busy to"
          + " answer, and sent again)%n", k, jobs, (System.nanoTime() - submitted) / 1e9, refusals);
      for (String id : ids) {
        BenchJobs.awaitCompleted(client, id);
      }
      double window = (System.nanoTime() - submitted) / 1e9;
      double coordinatorCpu = cpuSeconds(coordinator) - coordinatorCpuBefore;
      double workersCpu = workers.stream().mapToDouble(ScaleOutBench::cpuSeconds).sum() - workersCpuBefore;
      double[] picked = assignmentQuantiles(httpPort);
      stop(workers);
      return analyse(dir, k, jvms, window, coordinatorCpu, workersCpu, picked);
    } finally {
      stop(workers);
      stop(List.of(coordinator));
    }
  }

  private static int refusals;

  /** Submits, again after a pause while the job manager is too busy to answer the API within its ask timeout. */
  private static String submit(FarmClient client, Map<String, Object> job) throws InterruptedException {
    while (true) {
      try {
        return client.submit(job);
      } catch (FarmClient.Unavailable e) {
        refusals++;
        Thread.sleep(1000);
      }
    }
  }

  /**
   * p50 and p99 (bucket upper bounds, ms) of the coordinator's {@code framefarm_chunk_assignment_seconds}: from
   * picking a chunk for a request to the assignment going out (journal write and segment cut, not the mailbox).
   */
  private static double[] assignmentQuantiles(int httpPort) throws Exception {
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort
        + "/metrics")).build();
    String text = java.net.http.HttpClient.newHttpClient().send(request,
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    List<double[]> buckets = new ArrayList<>(); // {le, cumulative count}
    Matcher m = Pattern.compile("(?m)^framefarm_chunk_assignment_seconds_bucket\\{le=\"([^\"]+)\"} (\\S+)$")
        .matcher(text);
    while (m.find()) {
      double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
      buckets.add(new double[] {le, Double.parseDouble(m.group(2))});
    }
    if (buckets.isEmpty()) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double total = buckets.get(buckets.size() - 1)[1];
    double[] quantiles = new double[2];
    double[] qs = {0.5, 0.99};
    for (int i = 0; i < qs.length; i++) {
      for (double[] b : buckets) {
        if (b[1] >= qs[i] * total) {
          quantiles[i] = b[0] * 1000;
          break;
        }
      }
    }
    return quantiles;
  }

  private static Result analyse(Path dir, int k, int jvms, double window, double coordinatorCpu, double workersCpu,
      double[] picked) throws IOException {
    List<long[]> acks = new ArrayList<>(); // {millis, frames}
    List<long[]> assigned = new ArrayList<>(); // {millis, micros}
    java.util.Set<String> seen = new java.util.HashSet<>();
    try (var files = Files.list(dir)) {
      for (Path log : files.filter(p -> p.getFileName().toString().startsWith("worker-")
          && p.toString().endsWith(".log")).toList()) {
        for (String line : Files.readAllLines(log)) {
          Matcher m = ACKNOWLEDGED.matcher(line);
          if (m.find()) {
            acks.add(new long[] {millis(m.group(1)), Long.parseLong(m.group(2))});
            continue;
          }
          m = ASSIGNED.matcher(line);
          if (m.find()) {
            String slot = log.getFileName() + " " + m.group(2);
            if (seen.add(slot)) {
              continue; // a slot's first request waited for the jobs to be submitted
            }
            assigned.add(new long[] {millis(m.group(1)), Long.parseLong(m.group(4))});
          }
        }
      }
    }
    if (acks.isEmpty()) {
      throw new IllegalStateException("no acknowledged chunks in the worker logs of " + dir);
    }
    acks.sort((a, b) -> Long.compare(a[0], b[0]));
    long total = acks.stream().mapToLong(a -> a[1]).sum();
    long from = 0;
    long to = 0;
    long framesAtFrom = 0;
    long framesAtTo = 0;
    long cumulative = 0;
    for (long[] a : acks) {
      cumulative += a[1];
      if (from == 0 && cumulative >= total / 10) {
        from = a[0];
        framesAtFrom = cumulative;
      }
      if (to == 0 && cumulative >= total * 9 / 10) {
        to = a[0];
        framesAtTo = cumulative;
      }
    }
    double fps = to > from ? (framesAtTo - framesAtFrom) * 1000.0 / (to - from) : Double.NaN;
    long firstAssigned = assigned.stream().mapToLong(a -> a[0]).min().orElse(acks.get(0)[0]);
    double wall = (acks.get(acks.size() - 1)[0] - firstAssigned) / 1000.0;
    final long windowFrom = from;
    final long windowTo = to;
    double[] steady = assigned.stream().filter(a -> a[0] >= windowFrom && a[0] <= windowTo)
        .mapToDouble(a -> a[1] / 1000.0).sorted().toArray();
    double[] all = assigned.stream().mapToDouble(a -> a[1] / 1000.0).sorted().toArray();
    return new Result(k, jvms, (int) total, wall, fps, percentile(steady, 0.5), percentile(steady, 0.99),
        percentile(all, 0.99), all.length, window, coordinatorCpu, workersCpu, picked[0], picked[1]);
  }

  private static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static long millis(String timestamp) {
    return LocalDateTime.parse(timestamp, ISO8601).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
  }

  private static Process start(Path log, Path logback, String heap, String... args) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // A shared two-core machine running nine JVMs misses heartbeats for seconds at times: a longer acceptable pause
    // keeps the failure detector from downing busy nodes (it changes no throughput, only how soon a dead node goes).
    List<String> command = new ArrayList<>(List.of(java.toString(), heap, "-XX:+UseSerialGC",
        "-Dpekko.cluster.failure-detector.acceptable-heartbeat-pause=20s",
        "-Dlogback.configurationFile=" + logback));
    // Settings given to the harness (BENCH_JAVA_OPTS="-Dframefarm.worker.lease-ahead=off") reach every node.
    System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("framefarm.")).sorted()
        .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
    command.add("io.framefarm.cli.Farm");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    // The classpath travels in the environment: ONNX Runtime crashes the JVM when the command line reaches ~4 KB.
    builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("MALLOC_ARENA_MAX", "2");
    return builder.start();
  }

  private static void awaitUp(FarmClient client, Process coordinator) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      try {
        client.nodes();
        return;
      } catch (RuntimeException e) {
        if (!coordinator.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("the coordinator did not come up", e);
        }
        Thread.sleep(200);
      }
    }
  }

  /** SIGTERM (workers drain: they hold no chunk now), then a kill for any still running after 30 s. */
  private static void stop(List<Process> processes) throws InterruptedException {
    processes.forEach(Process::destroy);
    for (Process p : processes) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  /** User + system CPU seconds of a live process (fields 14 and 15 of /proc/PID/stat); 0 once it has ended. */
  private static double cpuSeconds(Process p) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

package io.framefarm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.cli.BenchFarm;
import io.framefarm.cli.FarmClient;
import io.framefarm.cli.FarmNode;
import io.framefarm.media.SampleVideo;
import io.framefarm.worker.onnx.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 10, figure 4: model-affinity placement against random placement. Four pipelines, each with one secondary
 * model of its own (an ONNX model with WEIGHT_MIB of weights, so that a load costs what reading and initializing
 * them costs); eight jobs, two per pipeline, submitted at once; four devices (CPU slots) whose budgets hold
 * MODELS_PER_DEVICE of those models at a time. Counts the model loads and evictions the devices report and the
 * wall time from the first submission to the last finish, on a fresh embedded farm per run, alternating affinity
 * and random.
 *
 * <p>Usage: {@code AffinityBench [RUNS=3] [WEIGHT_MIB=128] [CHUNKS_PER_JOB=4]
 * [MODELS_PER_DEVICE=2]}.
 */
public final class AffinityBench {
  private static final long MIB = 1L << 20;
  private static final int PIPELINES = 4;
  private static final int DEVICES = 4;

  private record Run(double seconds, long loads, long evictions) {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    long weight = (args.length > 1 ? Long.parseLong(args[1]) : 128) * MIB;
    int chunks = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    int fit = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    Path root = Files.createTempDirectory("framefarm-affinity");
    Path input = SampleVideo.generate(root.resolve("input.mp4"), chunks, 320, 240, 30); // 30 frames a second
    long estimate = weight + weight / 4; // a model's bytes as the pipelines declare them
    // FIT models fit under the low watermark (75 %), so that cleanups keep them; one more does not fit at all.
    long budget = Math.round(fit * estimate / 0.72);
    List<Path> pipelines = new ArrayList<>();
    for (int i = 0; i < PIPELINES; i++) {
      Path model = TestModels.weighted(root.resolve("model-" + i + ".onnx"), weight);
      pipelines.add(Files.writeString(root.resolve("pipeline-" + i + ".json"), """
          { "name": "p%d",
            "models": [ { "id": "m%d", "path": "%s", "role": "secondary",
                          "input": { "width": 320, "height": 240 }, "estimatedBytes": %d } ],
            "stages": [ { "type": "frame-model", "model": "m%d" } ] }
          """.formatted(i, i, model, estimate, i)));
    }
    System.out.printf(Locale.ROOT, "8 jobs over %d pipelines (one %d MiB model each), %d chunks of 30 frames each,"
        + " on %d devices of %d MiB (%d model(s) each)%n", PIPELINES, weight / MIB, chunks, DEVICES, budget / MIB, fit);
    Map<String, List<Run>> results = new LinkedHashMap<>();
    for (int run = 1; run <= runs; run++) {
      for (String placement : List.of("AFFINITY", "RANDOM")) {
        Run r = run(root.resolve("farm-" + placement + "-" + run), input, pipelines, placement, budget);
        results.computeIfAbsent(placement, k -> new ArrayList<>()).add(r);
        System.out.printf(Locale.ROOT, "run %d %s: %.2f s, %d loads, %d evictions%n", run, placement, r.seconds(),
            r.loads(), r.evictions());
      }
    }
    Run affinity = medians(results.get("AFFINITY"));
    Run random = medians(results.get("RANDOM"));
    System.out.printf(Locale.ROOT, "median AFFINITY: %.2f s, %d loads, %d evictions%n", affinity.seconds(),
        affinity.loads(), affinity.evictions());
    System.out.printf(Locale.ROOT, "median RANDOM:   %.2f s, %d loads, %d evictions%n", random.seconds(),
        random.loads(), random.evictions());
    System.out.printf(Locale.ROOT, "loads random/affinity %.2f (goal >= 5), time saved %.0f %% (goal >= 30 %%)%n",
        random.loads() / (double) Math.max(1, affinity.loads()), 100 * (1 - affinity.seconds() / random.seconds()));
    double load = loadSeconds(root.resolve("model-0.onnx"), estimate);
    System.out.printf(Locale.ROOT, "one load of a model takes %.3f s here: the %d loads saved are worth %.2f s of"
        + " device time, over %d devices%n", load, random.loads() - affinity.loads(),
        load * (random.loads() - affinity.loads()), DEVICES);
  }

  private static Run run(Path dataDir, Path input, List<Path> pipelines, String placement, long budget)
      throws Exception {
    Files.createDirectories(dataDir);
    Map<String, Object> overrides = Map.of("framefarm.coordinator.placement", placement,
        "framefarm.coordinator.allowed-roots", List.of(dataDir.getParent().toString()));
    try (FarmNode farm = BenchFarm.embedded(dataDir, new FarmNode.WorkerOptions(DEVICES, "none", budget, 0),
        overrides)) {
      FarmClient client = new FarmClient(farm.apiUrl());
      while (client.nodes().path("devices").size() < DEVICES) {
        Thread.sleep(50); // until every device has reported its budget
      }
      List<String> ids = new ArrayList<>();
      long start = System.currentTimeMillis();
      for (int job = 0; job < 2 * PIPELINES; job++) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("input", input.toString());
        request.put("output", dataDir.resolve("out-" + job + ".mp4").toString());
        request.put("pipeline", pipelines.get(job % PIPELINES).toString());
        request.put("chunkFrames", 30);
        ids.add(client.submit(request));
      }
      long finished = 0;
      for (String id : ids) {
        JsonNode status = BenchJobs.awaitCompleted(client, id);
        finished = Math.max(finished, status.path("finishedAtMillis").asLong());
      }
      Thread.sleep(2500); // one more memory report (every 2 s) so that the last loads are counted
      long loads = 0;
      long evictions = 0;
      for (JsonNode device : client.nodes().path("devices")) {
        loads += device.path("loads").asLong();
        evictions += device.path("evictions").asLong();
      }
      return new Run((finished - start) / 1000.0, loads, evictions);
    }
  }

  /** The median of five loads of the model, as a CPU slot's loader makes them (session, no warm-up run). */
  private static double loadSeconds(Path model, long estimate) throws Exception {
    var loader = io.framefarm.worker.onnx.OnnxModelLoader.forDevice(
        new io.framefarm.worker.device.HostDevice(0, 8L << 30), 1);
    var spec = new io.framefarm.worker.memory.ModelSpec("m", model, estimate, false);
    double[] seconds = new double[5];
    for (int i = 0; i < seconds.length; i++) {
      long start = System.nanoTime();
      loader.load(spec).close();
      seconds[i] = (System.nanoTime() - start) / 1e9;
    }
    return BenchJobs.median(seconds);
  }

  private static Run medians(List<Run> runs) {
    return new Run(BenchJobs.median(runs.stream().mapToDouble(Run::seconds).toArray()),
        (long) BenchJobs.median(runs.stream().mapToDouble(Run::loads).toArray()),
        (long) BenchJobs.median(runs.stream().mapToDouble(Run::evictions).toArray()));
  }
}

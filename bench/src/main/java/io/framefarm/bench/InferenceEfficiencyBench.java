package io.framefarm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.cli.BenchFarm;
import io.framefarm.cli.FarmClient;
import io.framefarm.cli.FarmNode;
import io.framefarm.media.ChunkDecoder;
import io.framefarm.media.ChunkEncoder;
import io.framefarm.media.ChunkSource;
import io.framefarm.media.EncodeSettings;
import io.framefarm.media.MediaInfo;
import io.framefarm.media.Probe;
import io.framefarm.media.SampleVideo;
import io.framefarm.media.VideoFrame;
import io.framefarm.media.VideoStreamInfo;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.LoadedModel;
import io.framefarm.worker.memory.ModelHandle;
import io.framefarm.worker.onnx.OnnxModelLoader;
import io.framefarm.worker.pipeline.ChunkContext;
import io.framefarm.worker.pipeline.PipelineRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 10, figure 1: a model-bound pipeline through the farm with one slot against a plain loop over the same
 * frames: decode, the same pipeline runtime on ONNX Runtime sessions with the same thread settings as a one-slot
 * worker, encode; no actors, no transfer, no chunking. Runs alternate (loop, farm) RUNS times after one warm-up
 * of each; prints every run, the medians and farm fps / loop fps, and where a loop frame's time goes.
 *
 * <p>The farm's wall time is from just before the submission (which probes the input) to the job's finish (which
 * includes assembling the output), on an embedded farm that already ran the pipeline once (models fetched into
 * its cache and loaded).
 *
 * <p>Usage: {@code InferenceEfficiencyBench [PIPELINE=redact-text] [SECONDS=20] [RUNS=3] [CHUNK_FRAMES=150]
 * [WIDTH=640] [HEIGHT=360]}; needs {@code -Dframefarm.home} (the pipelines and models).
 */
public final class InferenceEfficiencyBench {
  private record LoopRun(int frames, long wallNanos, long decodeNanos, long pipelineNanos, long encodeNanos) {
    double fps() {
      return frames / (wallNanos / 1e9);
    }
  }

  public static void main(String[] args) throws Exception {
    String pipeline = args.length > 0 ? args[0] : "redact-text";
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int chunkFrames = args.length > 3 ? Integer.parseInt(args[3]) : 150;
    int width = args.length > 4 ? Integer.parseInt(args[4]) : 640;
    int height = args.length > 5 ? Integer.parseInt(args[5]) : 360;
    Path home = Path.of(System.getProperty("framefarm.home", ".")).toAbsolutePath();
    Path dataDir = Files.createTempDirectory("framefarm-inference");
    Path input = SampleVideo.generate(dataDir.resolve("captioned.mp4"), SampleVideo.Pattern.BARS, seconds, width,
        height, 30, "FRAMEFARM");
    PipelineSpec spec = PipelineSpec.load(home.resolve("pipelines").resolve(pipeline + ".json"));
    int threads = Runtime.getRuntime().availableProcessors(); // what a one-slot worker gives ONNX Runtime
    System.out.printf(Locale.ROOT, "%s on %d frames of %dx%d, %d ONNX Runtime threads, chunks of %d frames%n",
        pipeline, seconds * 30, width, height, threads, chunkFrames);

    List<Double> loopFps = new ArrayList<>();
    List<Double> farmFps = new ArrayList<>();
    List<LoopRun> loops = new ArrayList<>();
    // The farm's data dir is an allowed root: the input and the outputs lie in it.
    try (FarmNode farm = BenchFarm.embedded(dataDir, 1, Map.of())) {
      FarmClient client = new FarmClient(farm.apiUrl());
      var loader = OnnxModelLoader.forDevice(new HostDevice(0, 8L << 30), threads);
      List<ModelHandle> handles = new ArrayList<>();
      for (var spec0 : loader.modelSpecs(spec)) {
        LoadedModel model = loader.load(spec0);
        handles.add(new ModelHandle(spec0, model));
      }
      loop(input, spec, handles, dataDir.resolve("loop.mp4")); // warm-up
      farm(client, input, pipeline, chunkFrames, dataDir.resolve("warm.mp4"));
      for (int run = 1; run <= runs; run++) {
        CpuShares beforeLoop = CpuShares.now();
        LoopRun l = loop(input, spec, handles, dataDir.resolve("loop.mp4"));
        CpuShares afterLoop = CpuShares.now();
        loops.add(l);
        loopFps.add(l.fps());
        double f = farm(client, input, pipeline, chunkFrames, dataDir.resolve("farm-" + run + ".mp4"));
        CpuShares afterFarm = CpuShares.now();
        farmFps.add(f);
        System.out.printf(Locale.ROOT, "run %d: loop %.2f fps, farm %.2f fps%n", run, l.fps(), f);
        System.out.printf(Locale.ROOT, "  loop %s%n  farm %s%n", afterLoop.since(beforeLoop, 3),
            afterFarm.since(afterLoop, 6));
      }
      handles.forEach(h -> h.model().close());
    }
    double loop = BenchJobs.median(loopFps);
    double farmMedian = BenchJobs.median(farmFps);
    LoopRun mid = loops.stream().sorted((a, b) -> Double.compare(a.fps(), b.fps())).toList().get(loops.size() / 2);
    System.out.printf(Locale.ROOT, "median: loop %.2f fps, farm %.2f fps, farm/loop %.3f (goal >= 0.95)%n", loop,
        farmMedian, farmMedian / loop);
    System.out.printf(Locale.ROOT, "loop frame (median run): decode %.1f ms, pipeline %.1f ms, encode %.1f ms,"
        + " total %.1f ms%n", ms(mid.decodeNanos(), mid.frames()), ms(mid.pipelineNanos(), mid.frames()),
        ms(mid.encodeNanos(), mid.frames()), ms(mid.wallNanos(), mid.frames()));
  }

  /** Decode, pipeline, encode, one frame after the other on this thread, timing each step. */
  private static LoopRun loop(Path input, PipelineSpec spec, List<ModelHandle> handles, Path out) throws Exception {
    MediaInfo info = Probe.probe(input);
    VideoStreamInfo v = info.video();
    int frames = info.frames().frameCount();
    var source = new ChunkSource(0, info.frames().pts(0), Long.MAX_VALUE, frames);
    long start = System.nanoTime();
    long decode = 0;
    long pipeline = 0;
    long encode = 0;
    try (PipelineRuntime runtime = PipelineRuntime.create(spec, handles, new ChunkContext(v.timeBaseNum(),
             v.timeBaseDen()));
         ChunkDecoder decoder = ChunkDecoder.open(input, source);
         ChunkEncoder encoder = ChunkEncoder.open(out, decoder.width(), decoder.height(), decoder.layout(),
             v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(), v.frameRateDen(), new EncodeSettings(18, "veryfast",
                 false))) {
      VideoFrame frame = VideoFrame.allocate(decoder.width(), decoder.height(), decoder.layout());
      while (true) {
        long t0 = System.nanoTime();
        if (!decoder.read(frame)) {
          decode += System.nanoTime() - t0;
          break;
        }
        long t1 = System.nanoTime();
        runtime.apply(frame);
        long t2 = System.nanoTime();
        encoder.write(frame);
        long t3 = System.nanoTime();
        decode += t1 - t0;
        pipeline += t2 - t1;
        encode += t3 - t2;
      }
    }
    return new LoopRun(frames, System.nanoTime() - start, decode, pipeline, encode);
  }

  /** Submits the job and waits for it; returns frames / (finish - just before submit). */
  private static double farm(FarmClient client, Path input, String pipeline, int chunkFrames, Path out)
      throws InterruptedException {
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("input", input.toString());
    job.put("output", out.toString());
    job.put("pipeline", pipeline);
    job.put("chunkFrames", chunkFrames);
    long submitted = System.currentTimeMillis();
    JsonNode status = BenchJobs.run(client, job);
    return status.path("totalFrames").asInt() / ((status.path("finishedAtMillis").asLong() - submitted) / 1000.0);
  }

  private static double ms(long nanos, int frames) {
    return nanos / 1e6 / frames;
  }
}

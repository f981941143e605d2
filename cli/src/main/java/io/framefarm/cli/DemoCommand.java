package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.SampleVideo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Generate a sample video, start the embedded farm, process it and print a summary.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir",
      description = "Where the sample, the output and the farm's data go (default: ${DEFAULT-VALUE}).")
  Path dir = Path.of("demo-output");

  @Option(names = "--seconds", description = "Length of the sample video (default: ${DEFAULT-VALUE}).")
  int seconds = 20;

  @Option(names = "--pipeline",
      description = "Pipeline to run (default: redact-text when deploy/fetch-sample-models.sh has fetched its models,"
          + " else invert).")
  String pipeline;

  @Option(names = "--cpu-slots", description = "Chunks processed at once (default: ${DEFAULT-VALUE}).")
  int cpuSlots = 2;

  @Option(names = "--chunk-frames", description = "Frames per chunk (default: ${DEFAULT-VALUE}).")
  int chunkFrames = 120;

  @Override
  public Integer call() throws Exception {
    Path root = NodeOptions.absolute(dir);
    Files.createDirectories(root);
    Path home = Path.of(System.getProperty("framefarm.home", "."));
    if (pipeline == null) {
      pipeline = Files.exists(home.resolve("models/ppocr/ch_PP-OCRv4_det_infer.onnx")) ? "redact-text" : "invert";
    }
    Path sample = root.resolve("sample-" + seconds + "s-720p-captioned.mp4");
    if (!Files.exists(sample)) {
      System.out.println("Generating " + sample + " (" + seconds + " s, 1280x720, H.264 + AAC, captioned)");
      SampleVideo.generate(sample, seconds, 1280, 720, 30, "FRAMEFARM 2026");
    }
    Path output = root.resolve("sample-" + pipeline + ".mp4");
    var config = new NodeOptions().config(List.of("coordinator", "worker"), Map.of(
        "framefarm.data-dir", root.resolve("farm-data").toString(),
        "framefarm.coordinator.http-port", 0,
        "framefarm.coordinator.allowed-roots", List.of(root.toString())));
    try (FarmNode farm = FarmNode.start(config, cpuSlots)) {
      farm.awaitOwnWorker(java.time.Duration.ofMinutes(1));
      System.out.println("Embedded farm up: API at " + farm.apiUrl() + "/api/v1, " + cpuSlots + " CPU slot(s)");
      FarmClient client = new FarmClient(farm.apiUrl(), System.getenv("FRAMEFARM_API_TOKEN"));
      Map<String, Object> job = new LinkedHashMap<>();
      job.put("input", sample.toString());
      job.put("output", output.toString());
      job.put("pipeline", pipeline);
      job.put("chunkFrames", chunkFrames);
      // The demo's own output from an earlier run.
      job.put("overwrite", true);
      String id = client.submit(job);
      System.out.println("Submitted " + id + ": " + sample.getFileName() + " -> " + output.getFileName()
          + " with pipeline '" + pipeline + "'");
      JsonNode done = JobWatcher.follow(client, id, System.out);
      int code = SubmitCommand.report(done);
      if (code == ExitCodes.OK) {
        System.out.println("Output: " + output);
        System.out.println("Chunks: " + done.path("chunks").asInt() + " of up to " + chunkFrames
            + " frames each, done by " + distinctWorkers(done) + " slot(s)");
      }
      return code;
    }
  }

  private static long distinctWorkers(JsonNode job) {
    java.util.Set<String> workers = new java.util.HashSet<>();
    job.path("chunkWorkers").forEach(w -> workers.add(w.asText()));
    return workers.size();
  }
}

package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a video to the farm.")
final class SubmitCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "INPUT", description = "The source video.")
  Path input;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTPUT", description = "Where the result goes.")
  Path output;

  @Option(names = "--pipeline", paramLabel = "NAME",
      description = "Pipeline to run per frame (default: ${DEFAULT-VALUE}).")
  String pipeline = "identity";

  @Option(names = "--chunk-frames", paramLabel = "N", description = "Frames per chunk (default: ${DEFAULT-VALUE}).")
  int chunkFrames = 240;

  @Option(names = "--priority", paramLabel = "P", description = "Higher runs first (default: ${DEFAULT-VALUE}).")
  int priority = 0;

  @Option(names = "--lossless", description = "Encode losslessly (x264 qp 0).")
  boolean lossless;

  @Option(names = "--crf", description = "x264 CRF when not lossless (default: 18).")
  Integer crf;

  @Option(names = "--preset", description = "x264 preset (default: veryfast; ultrafast when lossless).")
  String preset;

  @Option(names = "--overwrite", description = "Replace OUTPUT if it exists (otherwise the job is refused).")
  boolean overwrite;

  @Option(names = "--wait", description = "Show progress and exit when the job ends (1 if it failed).")
  boolean waitForJob;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Option(names = "--upload", description = "INPUT and OUTPUT are on this machine, not the coordinator's: INPUT is "
      + "sent to the coordinator first (with progress), the job writes to its data dir (outputs/UPLOAD-ID.EXT), and "
      + "--wait fetches the result (and a text pipeline's sidecar) to OUTPUT; without --wait, farm fetch JOB -o "
      + "OUTPUT does. --overwrite then means OUTPUT here.")
  boolean upload;

  @Override
  public Integer call() throws InterruptedException, java.io.IOException {
    FarmClient farm = client.client();
    Path localOutput = NodeOptions.absolute(output);
    Map<String, Object> job = new LinkedHashMap<>();
    if (upload) {
      JsonNode stored = upload(farm, localOutput);
      job.put("input", stored.path("path").asText());
      job.put("output", stored.path("outputDir").asText() + "/" + stored.path("id").asText() + "."
          + FetchCommand.extension(localOutput));
    } else {
      job.put("input", NodeOptions.absolute(input).toString());
      job.put("output", localOutput.toString());
    }
    job.put("pipeline", pipelineArgument());
    job.put("chunkFrames", chunkFrames);
    job.put("priority", priority);
    job.put("lossless", lossless);
    if (crf != null) {
      job.put("crf", crf);
    }
    if (preset != null) {
      job.put("preset", preset);
    }
    if (overwrite && !upload) {
      job.put("overwrite", true);
    }
    String id = farm.submit(job);
    System.out.println(id);
    if (!waitForJob) {
      if (upload) {
        System.err.println("farm: once it has completed: farm fetch " + id + " -o " + localOutput);
      }
      return ExitCodes.OK;
    }
    JsonNode done = JobWatcher.follow(farm, id, System.err);
    int code = report(done);
    if (upload && code == ExitCodes.OK) {
      FetchCommand.fetch(farm, id, localOutput, overwrite);
    }
    return code;
  }

  /**
   * Checks what can be checked here before sending anything (the local output, the input), then uploads INPUT;
   * returns the coordinator's answer with the stored path.
   */
  private JsonNode upload(FarmClient farm, Path localOutput) throws java.io.IOException {
    FetchCommand.checkTarget(localOutput, overwrite);
    Path local = NodeOptions.absolute(input);
    if (!Files.isRegularFile(local)) {
      throw new IllegalArgumentException("input " + input + ": no such file here (--upload sends a local file)");
    }
    TransferProgress progress = new TransferProgress(System.err, "Uploading " + local.getFileName());
    progress.total(Files.size(local));
    JsonNode stored = farm.upload(local, progress::update);
    progress.done(stored.path("bytes").asLong());
    return stored;
  }

  /** A pipeline file given by a relative path goes to the coordinator as an absolute one; names go as they are. */
  private String pipelineArgument() {
    Path file = Path.of(pipeline);
    boolean looksLikeFile = pipeline.contains("/") || pipeline.matches(".*\\.(json|ya?ml)");
    return looksLikeFile && Files.isRegularFile(file) ? NodeOptions.absolute(file).toString() : pipeline;
  }

  static int report(JsonNode job) {
    String state = job.path("state").asText();
    if (state.equals("COMPLETED")) {
      double seconds = (job.path("finishedAtMillis").asLong() - job.path("submittedAtMillis").asLong()) / 1000.0;
      System.out.printf("%s completed: %d frames in %.1f s -> %s%n", job.path("id").asText(),
          job.path("totalFrames").asInt(), seconds, job.path("request").path("output").asText());
      return ExitCodes.OK;
    }
    System.out.println(job.path("id").asText() + " " + state.toLowerCase() + ": "
        + (job.path("failure").isTextual() ? job.path("failure").asText() : "cancelled"));
    job.path("attemptFailures").forEach(f -> System.out.println("  failed: " + f.asText()));
    job.path("lostLeases").forEach(f -> System.out.println("  lost with its worker: " + f.asText()));
    return ExitCodes.JOB_FAILED;
  }
}

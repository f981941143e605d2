package io.framefarm.coordinator.api;

import io.framefarm.media.ChunkPlanner;
import io.framefarm.media.ChunkRange;
import io.framefarm.media.FrameIndex;
import io.framefarm.media.MediaException;
import io.framefarm.media.MediaInfo;
import io.framefarm.media.Probe;
import io.framefarm.media.VideoStreamInfo;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.pipeline.InvalidPipelineException;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.pipeline.PipelineValidator;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.JobApi.SubmitJob;
import io.framefarm.protocol.JobApi.SubmitReply;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Everything checked before a job is accepted: the input is a readable video with frames, the
 * pipeline exists, the output goes somewhere allowed. Probing and planning happen here, on the API
 * node, so that the job manager never touches files on its own thread.
 */
public final class JobValidator {
  private static final Set<String> OUTPUT_EXTENSIONS = Set.of("mp4", "mov", "m4v", "mkv");
  private static final Set<String> PRESETS = Set.of("ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
      "slow", "slower", "veryslow", "placebo");

  private final List<Path> allowedOutputRoots;
  private final Path pipelinesDir;

  /**
   * @param allowedOutputRoots outputs must lie under one of these; empty allows any absolute path
   * @param pipelinesDir where named pipeline files ({@code redact-text.json}) are found
   */
  public JobValidator(List<Path> allowedOutputRoots, Path pipelinesDir) {
    this.allowedOutputRoots = allowedOutputRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.pipelinesDir = pipelinesDir;
  }

  /**
   * A job ready for the job manager. Throws {@link InvalidJobException} with the reason.
   *
   * @param largestBudgetBytes the largest device budget in the cluster; Long.MAX_VALUE while none is known
   */
  public ValidJob validate(SubmitRequest body, long largestBudgetBytes) {
    if (body == null) {
      throw new InvalidJobException("request body is missing");
    }
    Path input = absolute("input", body.input());
    Path output = absolute("output", body.output());
    String pipeline = body.pipeline() == null || body.pipeline().isBlank() ? "identity" : body.pipeline();
    PipelinePlan plan = pipelinePlan(pipeline, largestBudgetBytes);
    int chunkFrames = body.chunkFrames() == null ? 240 : body.chunkFrames();
    if (chunkFrames < 1) {
      throw new InvalidJobException("chunkFrames must be at least 1, got " + chunkFrames);
    }
    int priority = body.priority() == null ? 0 : body.priority();
    if (Math.abs((long) priority) > 1000) {
      throw new InvalidJobException("priority must be between -1000 and 1000, got " + priority);
    }
    EncodeSpec encode = encodeSpec(body);
    checkOutput(input, output);

    MediaInfo info;
    try {
      info = Probe.probe(input);
    } catch (MediaException e) {
      throw new InvalidJobException("input " + e.getMessage());
    }
    FrameIndex frames = info.frames();
    if (frames.frameCount() == 0) {
      throw new InvalidJobException("input " + input + ": no video frames");
    }
    List<PlannedChunk> chunks = ChunkPlanner.plan(frames.frameCount(), chunkFrames).stream()
        .map(r -> planned(frames, r)).toList();
    VideoStreamInfo v = info.video();
    var video = new VideoSpec(v.width(), v.height(), v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(),
        v.frameRateDen());
    var request = new JobRequest(input.toString(), output.toString(), pipeline, chunkFrames, priority, encode);
    return new ValidJob(request, video, chunks, plan);
  }

  /** A job that passed every check, probed and planned: only the reply address is missing. */
  public record ValidJob(JobRequest request, VideoSpec video, List<PlannedChunk> chunks, PipelinePlan plan) {
    public SubmitJob submit(ActorRef<SubmitReply> replyTo) {
      return new SubmitJob(request, video, chunks, plan, replyTo);
    }
  }

  /**
   * Resolves and checks the pipeline: models exist, match their sha256, are ONNX of the declared input, fit a device.
   */
  private PipelinePlan pipelinePlan(String pipeline, long largestBudgetBytes) {
    try {
      PipelineSpec spec = PipelineSpec.resolve(pipeline, pipelinesDir);
      long need = spec.builtInOnly() ? 0 : PipelineValidator.validate(spec, largestBudgetBytes);
      return new PipelinePlan(spec.toJson(), need, spec.models().stream().map(PipelineModel::id).toList());
    } catch (InvalidPipelineException e) {
      throw new InvalidJobException(e.getMessage());
    }
  }

  private static PlannedChunk planned(FrameIndex frames, ChunkRange r) {
    return new PlannedChunk(r.start(), r.end(), frames.pts(r.start()), frames.endPts(r.end()));
  }

  private static EncodeSpec encodeSpec(SubmitRequest body) {
    EncodeSpec d = EncodeSpec.defaults();
    boolean lossless = Boolean.TRUE.equals(body.lossless());
    int crf = body.crf() == null ? d.crf() : body.crf();
    if (crf < 0 || crf > 51) {
      throw new InvalidJobException("crf must be between 0 and 51, got " + crf);
    }
    String preset = body.preset() == null ? (lossless ? "ultrafast" : d.preset()) : body.preset();
    if (!PRESETS.contains(preset)) {
      throw new InvalidJobException("unknown x264 preset '" + preset + "' (known: " + String.join(", ", PRESETS) + ")");
    }
    return new EncodeSpec(crf, preset, lossless);
  }

  private static Path absolute(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidJobException(what + " path is missing");
    }
    Path path = Path.of(value);
    if (!path.isAbsolute()) {
      throw new InvalidJobException(what + " path must be absolute: " + value);
    }
    return path.normalize();
  }

  private void checkOutput(Path input, Path output) {
    if (output.equals(input)) {
      throw new InvalidJobException("output " + output + " would overwrite the input");
    }
    String name = output.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase();
    if (!OUTPUT_EXTENSIONS.contains(ext)) {
      throw new InvalidJobException("output " + output + ": unsupported container '" + ext + "' (use one of "
          + String.join(", ", OUTPUT_EXTENSIONS) + ")");
    }
    if (!allowedOutputRoots.isEmpty() && allowedOutputRoots.stream().noneMatch(output::startsWith)) {
      throw new InvalidJobException("output " + output + " is outside the allowed roots " + allowedOutputRoots);
    }
    Path parent = output.getParent();
    if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
      throw new InvalidJobException("output " + output + ": " + parent + " is not a directory");
    }
    if (Files.isDirectory(output)) {
      throw new InvalidJobException("output " + output + " is a directory");
    }
  }
}

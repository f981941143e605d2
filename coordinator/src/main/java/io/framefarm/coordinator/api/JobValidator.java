package io.framefarm.coordinator.api;

import io.framefarm.coordinator.transfer.ChunkPlans;
import io.framefarm.coordinator.transfer.ScanHandoff;
import io.framefarm.media.MediaException;
import io.framefarm.media.MediaInfo;
import io.framefarm.media.ProbeLimits;
import io.framefarm.media.ProbeScan;
import io.framefarm.media.VideoStreamInfo;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.pipeline.BuiltInPipeline;
import io.framefarm.pipeline.FileDigests;
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
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Everything checked before a job is accepted: the input is a readable video with frames, the
 * pipeline exists, the output goes somewhere allowed. Probing and planning happen here, on the API
 * node, so that the job manager never touches files on its own thread.
 */
public final class JobValidator {
  /** The containers an output may be written in (the CLI checks a local -o against them before uploading). */
  public static final Set<String> OUTPUT_EXTENSIONS = Set.of("mp4", "mov", "m4v", "mkv");
  private static final Set<String> PRESETS = Set.of("ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
      "slow", "slower", "veryslow", "placebo");

  /** A pipeline named rather than given by path: a file name in the pipelines directory, never a path. */
  private static final Pattern PIPELINE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  /** Chunks planned before a long input's job is accepted; the job manager plans the rest as it reads on. */
  static final int PREFIX_CHUNKS = 4;
  private static final int PREFIX_STEP_PACKETS = 1024;
  /** Pipeline files are small JSON or YAML; anything larger is not one. */
  private static final long MAX_PIPELINE_FILE_BYTES = 1 << 20;

  private final PathRules paths;
  private final Path pipelinesDir;
  private final ProbeLimits probeLimits;
  private final ScanHandoff handoff;
  /** Models are hashed at every submission that names them; this remembers digests while files are unchanged. */
  private final FileDigests digests;

  /**
   * @param paths where inputs, outputs and pipeline files given by path may lie
   * @param pipelinesDir where named pipeline files ({@code redact-text.json}) are found
   * @param probeLimits frame size and time limits for probing an input
   */
  public JobValidator(PathRules paths, Path pipelinesDir, ProbeLimits probeLimits) {
    this(paths, pipelinesDir, probeLimits, null, new FileDigests());
  }

  /**
   * @param handoff where the scan of a long input is left for the job manager on this node; null for none
   * @param digests the node's digests of model files, shared with the offers of those files to workers
   */
  public JobValidator(PathRules paths, Path pipelinesDir, ProbeLimits probeLimits, ScanHandoff handoff,
      FileDigests digests) {
    this.digests = digests;
    this.paths = paths;
    this.pipelinesDir = pipelinesDir.toAbsolutePath().normalize();
    this.probeLimits = probeLimits;
    this.handoff = handoff;
  }

  /** Where jobs may read and write; the output routes serve files only from there. */
  PathRules paths() {
    return paths;
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
    Path input = paths.input("input", body.input());
    boolean overwrite = Boolean.TRUE.equals(body.overwrite());
    Path output = paths.output(body.output(), overwrite, input);
    checkContainer(output);
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

    MediaInfo info;
    List<PlannedChunk> chunks;
    boolean planning;
    // Only the start of a long input is read here, enough for its first chunks: the job is accepted and its first
    // chunks run while the job manager reads the rest (and fails the job if the rest turns out broken). An input
    // read to its end here is planned whole, as before.
    ProbeScan scan = null;
    boolean parked = false;
    try {
      scan = ProbeScan.open(input, probeLimits);
      long prefix = (long) PREFIX_CHUNKS * chunkFrames;
      while (!scan.advance(PREFIX_STEP_PACKETS) && scan.settledFrames() <= prefix) {
        // reading on
      }
      info = scan.snapshot();
      planning = !scan.complete();
      chunks = ChunkPlans.plannable(info.frames(), scan.settledFrames(), scan.complete(), chunkFrames);
      if (planning && handoff != null) {
        handoff.park(scan); // the job manager on this node goes on from where this scan stopped
        parked = true;
      }
    } catch (MediaException e) {
      throw new InvalidJobException("input " + e.getMessage());
    } finally {
      if (scan != null && !parked) {
        scan.close();
      }
    }
    VideoStreamInfo v = info.video();
    var video = new VideoSpec(v.width(), v.height(), v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(),
        v.frameRateDen());
    var request = new JobRequest(input.toString(), output.toString(), pipeline, chunkFrames, priority, encode,
        overwrite);
    return new ValidJob(request, video, chunks, plan, planning);
  }

  /**
   * A job that passed every check, probed and planned (with {@code planning}, its start): only the reply address is
   * missing.
   */
  public record ValidJob(JobRequest request, VideoSpec video, List<PlannedChunk> chunks, PipelinePlan plan,
      boolean planning) {
    public SubmitJob submit(ActorRef<SubmitReply> replyTo) {
      return new SubmitJob(request, video, chunks, plan, replyTo, planning);
    }
  }

  /**
   * Resolves and checks the pipeline: models exist, match their sha256, are ONNX of the declared input, fit a device.
   * The plan names the digest of every file the pipeline reads, by which workers fetch them from the job manager.
   */
  private PipelinePlan pipelinePlan(String pipeline, long largestBudgetBytes) {
    try {
      PipelineSpec spec = pipelineSpec(pipeline);
      long need = spec.builtInOnly() ? 0 : PipelineValidator.validate(spec, largestBudgetBytes, digests);
      PipelineSpec resolved = spec.withDigests(file -> {
        try {
          return digests.of(file);
        } catch (java.io.UncheckedIOException e) {
          throw new InvalidJobException("pipeline " + spec.name() + ": " + e.getMessage());
        }
      });
      // Keys, as workers report their resident models, so that placement can prefer a device that holds them.
      return new PipelinePlan(resolved.toJson(), need, resolved.models().stream().map(PipelineModel::key).toList());
    } catch (InvalidPipelineException e) {
      throw new InvalidJobException(e.getMessage());
    }
  }

  /**
   * A built-in, a name from the pipelines directory, or a pipeline file under the allowed roots: nothing else is
   * read, so a job cannot make the coordinator parse (and quote) an arbitrary file.
   */
  private PipelineSpec pipelineSpec(String pipeline) {
    if (BuiltInPipeline.named(pipeline).isPresent()) {
      return PipelineSpec.builtIn(pipeline);
    }
    if (PIPELINE_NAME.matcher(pipeline).matches()) {
      for (String ext : List.of(".json", ".yaml", ".yml")) {
        Path file = pipelinesDir.resolve(pipeline + ext);
        if (Files.isRegularFile(file)) {
          return PipelineSpec.load(insidePipelinesDir(pipeline, file));
        }
      }
      throw new InvalidJobException("unknown pipeline '" + pipeline + "': not built in ("
          + String.join(", ", BuiltInPipeline.names()) + "), and no " + pipeline + ".json/.yaml in " + pipelinesDir);
    }
    if (!pipeline.startsWith("/")) {
      throw new InvalidJobException("pipeline " + Shown.text(pipeline) + " is neither a name (letters, digits, "
          + "'.', '_', '-'; at most 100) nor the absolute path of a pipeline file");
    }
    Path file = paths.input("pipeline file", pipeline);
    try {
      if (Files.size(file) > MAX_PIPELINE_FILE_BYTES) {
        throw new InvalidJobException("pipeline file " + Shown.text(pipeline) + " is larger than "
            + MAX_PIPELINE_FILE_BYTES + " bytes: not a pipeline");
      }
    } catch (java.io.IOException e) {
      throw new InvalidJobException("pipeline file " + Shown.text(pipeline) + " cannot be read");
    }
    return PipelineSpec.load(file);
  }

  /** A file in the pipelines directory that is a symlink to elsewhere is not a named pipeline. */
  private Path insidePipelinesDir(String name, Path file) {
    try {
      Path real = file.toRealPath();
      if (!real.startsWith(pipelinesDir.toRealPath())) {
        throw new InvalidJobException("pipeline '" + name + "' links outside the pipelines directory "
            + pipelinesDir);
      }
      return real;
    } catch (java.io.IOException e) {
      throw new InvalidJobException("pipeline '" + name + "' cannot be read from " + pipelinesDir);
    }
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
      throw new InvalidJobException("unknown x264 preset '" + Shown.text(preset) + "' (known: "
          + String.join(", ", PRESETS) + ")");
    }
    return new EncodeSpec(crf, preset, lossless);
  }

  private static void checkContainer(Path output) {
    String name = output.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    if (!OUTPUT_EXTENSIONS.contains(ext)) {
      throw new InvalidJobException("output " + Shown.text(output.toString()) + ": unsupported container '"
          + Shown.text(ext) + "' (use one of " + String.join(", ", OUTPUT_EXTENSIONS) + ")");
    }
  }
}

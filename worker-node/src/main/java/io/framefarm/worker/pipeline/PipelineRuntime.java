package io.framefarm.worker.pipeline;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framefarm.media.VideoFrame;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.worker.memory.ModelHandle;
import io.framefarm.worker.onnx.OnnxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pipeline ready to run on one chunk: its stages, built from a {@link PipelineSpec} and the model
 * handles the memory manager granted the chunk, with every buffer they need allocated once here (or
 * at the first frame, for what depends on the frame size) and reused for every frame.
 *
 * <p>Per chunk: {@link #create}, {@link #apply} each frame in order on one thread, {@link #finish} once
 * (writes the text sidecar, returns the texts), {@link #close} (frees tensors; never the models, which
 * belong to the memory manager), then release the chunk's models.
 */
public final class PipelineRuntime implements FrameStage {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PipelineSpec spec;
  private final ChunkContext context;
  private final List<WorkspaceStage> stages;
  private final FrameWorkspace workspace = new FrameWorkspace();
  private boolean closed;

  private PipelineRuntime(PipelineSpec spec, ChunkContext context, List<WorkspaceStage> stages) {
    this.spec = spec;
    this.context = context;
    this.stages = stages;
  }

  /**
   * @param handles the chunk's granted models; every model a stage names must be among them (by id)
   * @throws IllegalArgumentException if a model is missing or not an ONNX model
   * @throws OrtException if ONNX Runtime cannot make a stage's tensors
   */
  public static PipelineRuntime create(PipelineSpec spec, Collection<ModelHandle> handles, ChunkContext context) throws OrtException {
    Map<String, OnnxModel> sessions = new HashMap<>();
    for (ModelHandle handle : handles) {
      if (!(handle.model() instanceof OnnxModel onnx)) {
        throw new IllegalArgumentException("model " + handle.modelId() + " is " + handle.model().getClass().getSimpleName()
            + ", not an ONNX model");
      }
      sessions.put(handle.modelId(), onnx);
    }
    Map<String, PipelineModel> models = spec.modelsById();
    List<WorkspaceStage> stages = new ArrayList<>();
    try {
      for (StageSpec stage : spec.stages()) {
        stages.add(build(stage, models, sessions, context));
      }
    } catch (OrtException | RuntimeException e) {
      stages.forEach(WorkspaceStage::close);
      throw e;
    }
    return new PipelineRuntime(spec, context, List.copyOf(stages));
  }

  private static WorkspaceStage build(StageSpec stage, Map<String, PipelineModel> models, Map<String, OnnxModel> sessions,
      ChunkContext context) throws OrtException {
    return stage.accept(new StageSpec.Visitor<WorkspaceStage, OrtException>() {
      @Override
      public WorkspaceStage frameModel(StageSpec.FrameModel s) throws OrtException {
        return new FrameModelStage(models.get(s.modelId()), session(s));
      }

      @Override
      public WorkspaceStage detect(StageSpec.Detect s) throws OrtException {
        return new DetectStage(s, models.get(s.modelId()), session(s));
      }

      @Override
      public WorkspaceStage regionModel(StageSpec.RegionModel s) throws OrtException {
        return new RegionModelStage(s, models.get(s.modelId()), session(s));
      }

      @Override
      public WorkspaceStage regionEffect(StageSpec.RegionEffect s) {
        return new RegionEffectStage(s);
      }

      @Override
      public WorkspaceStage recognize(StageSpec.Recognize s) throws OrtException {
        return new RecognizeStage(s, models.get(s.modelId()), session(s), context);
      }

      @Override
      public WorkspaceStage builtIn(StageSpec.BuiltIn s) {
        return new BuiltInStage(s.name(), BuiltInStages.of(s.filter()));
      }

      private OnnxModel session(StageSpec s) {
        String id = s.model().orElseThrow();
        OnnxModel session = sessions.get(id);
        if (session == null) {
          throw new IllegalArgumentException("no handle for model " + id + " of pipeline " + s.type()
              + " stage: acquire the pipeline's models before building its runtime (have " + sessions.keySet() + ")");
        }
        return session;
      }
    });
  }

  public PipelineSpec spec() {
    return spec;
  }

  /** Runs every stage on the frame, in place. */
  @Override
  public void apply(VideoFrame frame) {
    workspace.begin(frame);
    for (int i = 0; i < stages.size(); i++) {
      WorkspaceStage stage = stages.get(i);
      try {
        stage.apply(workspace);
      } catch (OrtException | RuntimeException e) {
        throw new IllegalStateException("pipeline " + spec.name() + ", stage " + (i + 1) + " " + stage.describe()
            + " failed on the frame at pts " + frame.pts() + ": " + e.getMessage(), e);
      }
    }
    workspace.end();
  }

  /** For tests: the per-chunk buffers. */
  FrameWorkspace workspace() {
    return workspace;
  }

  /** The regions the last detect stage found in the last frame. */
  public List<Region> lastRegions() {
    return workspace.regions();
  }

  /** Texts read so far, in frame order. */
  public List<RecognizedText> texts() {
    List<RecognizedText> texts = new ArrayList<>();
    for (WorkspaceStage stage : stages) {
      if (stage instanceof RecognizeStage r) {
        texts.addAll(r.texts());
      }
    }
    return texts;
  }

  /**
   * Ends the chunk: if the pipeline reads text and the context names an output, writes the texts to
   * {@link #sidecarFor} that output (atomically) and returns its path.
   */
  public Optional<Path> finish() {
    boolean readsText = stages.stream().anyMatch(s -> s instanceof RecognizeStage);
    if (!readsText || context.output() == null) {
      return Optional.empty();
    }
    Path sidecar = sidecarFor(context.output());
    ObjectNode root = JSON.createObjectNode();
    root.put("pipeline", spec.name());
    ArrayNode items = root.putArray("texts");
    for (RecognizedText t : texts()) {
      ObjectNode item = items.addObject();
      item.put("pts", t.pts());
      item.put("timeSeconds", t.timeSeconds());
      item.put("text", t.text());
      item.put("confidence", t.confidence());
      ObjectNode box = item.putObject("box");
      box.put("x", t.box().x());
      box.put("y", t.box().y());
      box.put("width", t.box().width());
      box.put("height", t.box().height());
    }
    try {
      Path tmp = sidecar.resolveSibling(sidecar.getFileName() + ".tmp");
      JSON.writeValue(tmp.toFile(), root); // compact: it travels inside the chunk's ChunkDone message
      Files.move(tmp, sidecar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the text sidecar " + sidecar + " failed", e);
    }
    return Optional.of(sidecar);
  }

  /** {@code <output>.text.json}. */
  public static Path sidecarFor(Path output) {
    return output.resolveSibling(output.getFileName() + ".text.json");
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      stages.forEach(WorkspaceStage::close);
    }
  }

  /** A built-in filter on the planes: RGB edits before it are written back first, and RGB is stale after it. */
  private record BuiltInStage(String name, FrameStage filter) implements WorkspaceStage {
    @Override
    public void apply(FrameWorkspace frame) {
      filter.apply(frame.yuv());
      frame.yuvChanged();
    }

    @Override
    public String describe() {
      return "builtin (" + name + ")";
    }

    @Override
    public void close() {
      filter.close();
    }
  }
}

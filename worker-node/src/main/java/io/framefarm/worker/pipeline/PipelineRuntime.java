package io.framefarm.worker.pipeline;

import ai.onnxruntime.OrtException;
import io.framefarm.media.VideoFrame;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.protocol.WorkProtocol.ChunkDone;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import io.framefarm.worker.memory.ModelHandle;
import io.framefarm.worker.onnx.OnnxModel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pipeline ready to run on one chunk: its stages, built from a {@link PipelineSpec} and the model
 * handles the memory manager granted the chunk, with every buffer they need allocated once here (or
 * at the first frame, for what depends on the frame size) and reused for every frame.
 *
 * <p>Per chunk: {@link #create}, {@link #apply} each frame in order on one thread, {@link #texts} once
 * at the end, {@link #close} (frees tensors; never the models, which belong to the memory manager),
 * then release the chunk's models.
 */
public final class PipelineRuntime implements FrameStage {

  private final PipelineSpec spec;
  private final List<WorkspaceStage> stages;
  private final FrameWorkspace workspace = new FrameWorkspace();
  private boolean closed;

  private PipelineRuntime(PipelineSpec spec, List<WorkspaceStage> stages) {
    this.spec = spec;
    this.stages = stages;
  }

  /**
   * @param handles the chunk's granted models; every model a stage names must be among them (by
   *     {@link PipelineModel#key})
   * @throws IllegalArgumentException if a model is missing or not an ONNX model
   * @throws OrtException if ONNX Runtime cannot make a stage's tensors
   */
  public static PipelineRuntime create(PipelineSpec spec, Collection<ModelHandle> handles, ChunkContext context)
      throws OrtException {
    Map<String, OnnxModel> sessions = new HashMap<>();
    for (ModelHandle handle : handles) {
      if (!(handle.model() instanceof OnnxModel onnx)) {
        throw new IllegalArgumentException("model " + handle.modelId() + " is "
            + handle.model().getClass().getSimpleName() + ", not an ONNX model");
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
    return new PipelineRuntime(spec, List.copyOf(stages));
  }

  private static WorkspaceStage build(StageSpec stage, Map<String, PipelineModel> models,
      Map<String, OnnxModel> sessions, ChunkContext context) throws OrtException {
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
        OnnxModel session = sessions.get(models.get(id).key()); // granted by key (PipelineModel#key)
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

  /**
   * Texts read so far, in frame order, as the chunk's {@link ChunkDone} carries them.
   *
   * @throws IllegalStateException if they are more than one message carries
   */
  public List<RecognizedText> texts() {
    List<RecognizedText> texts = new ArrayList<>();
    for (WorkspaceStage stage : stages) {
      if (stage instanceof RecognizeStage r) {
        texts.addAll(r.texts());
      }
    }
    checkTextFits(texts.size(), texts.stream().mapToLong(RecognizedText::wireBytes).sum());
    return texts;
  }

  /**
   * Texts travel inside the chunk's {@link ChunkDone}, which must fit one Artery frame. A few thousand short texts
   * fit; a chunk of dense text with many regions may not, and is refused with what to change.
   */
  static void checkTextFits(int texts, long wireBytes) {
    if (wireBytes > ChunkDone.MAX_TEXT_BYTES) {
      throw new IllegalStateException("the chunk read more text than its result message carries: " + texts
          + " texts take " + wireBytes + " bytes, the limit is " + ChunkDone.MAX_TEXT_BYTES + " bytes; use shorter"
          + " chunks, fewer regions (detect maxRegions, boxThreshold) or a higher recognize minConfidence");
    }
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

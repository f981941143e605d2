package io.framefarm.worker.pipeline;

import ai.onnxruntime.OrtException;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.protocol.WorkProtocol.ChunkDone;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import io.framefarm.protocol.WorkProtocol.TextBox;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.worker.onnx.ImageTensorRunner;
import io.framefarm.worker.onnx.OnnxModel;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code recognize}: PaddleOCR's recognizer on each region. As PaddleOCR does, the crop is resized to
 * the input height keeping its aspect (squeezed only when wider than the input width) and the rest of
 * the width is padded with zeros; the fixed width keeps one tensor for the whole chunk. Texts read are
 * kept, with the frame's timestamp, until the chunk ends; they travel in the chunk's {@link ChunkDone}, so a
 * chunk that reads more than it can carry fails at once, saying so, rather than when it is sent.
 */
final class RecognizeStage implements WorkspaceStage {

  private final StageSpec.Recognize spec;
  private final ImageTensorRunner runner;
  private final TensorImages images;
  private final CtcDecoder decoder;
  private final ChunkContext context;
  private final List<RecognizedText> texts = new ArrayList<>();
  private long wireBytes;

  RecognizeStage(StageSpec.Recognize spec, PipelineModel model, OnnxModel session, ChunkContext context)
      throws OrtException {
    this.spec = spec;
    this.decoder = CtcDecoder.load(spec.dictionary());
    this.context = context;
    this.images = new TensorImages(model);
    this.runner = new ImageTensorRunner(session, model.inputWidth(), model.inputHeight());
  }

  @Override
  public void apply(FrameWorkspace frame) throws OrtException {
    int tw = runner.width();
    int th = runner.height();
    for (Region r : frame.regions()) {
      int content = (int) Math.min(tw, Math.max(1, Math.ceil((double) th * r.width() / r.height())));
      images.toTensor(frame.rgb(), frame.width(), frame.height(), r.x(), r.y(), r.width(), r.height(),
          runner.input(), tw, th, content, 0);
      FloatBuffer scores = runner.run();
      int[] seq = ImageShapes.requireSequence(runner);
      if (seq[1] != decoder.symbolCount() + 1 && seq[1] != decoder.symbolCount() + 2) {
        throw new OrtException("model " + runner.modelId() + " scores " + seq[1] + " classes, but the dictionary "
            + spec.dictionary() + " has " + decoder.symbolCount() + " symbols");
      }
      CtcDecoder.Decoded decoded = decoder.decode(scores, seq[0], seq[1]);
      String text = decoded.text().strip();
      if (!text.isEmpty() && decoded.confidence() >= spec.minConfidence()) {
        RecognizedText read = new RecognizedText(frame.pts(), context.seconds(frame.pts()), text, decoded.confidence(),
            new TextBox(r.x(), r.y(), r.width(), r.height()));
        texts.add(read);
        wireBytes += read.wireBytes();
        PipelineRuntime.checkTextFits(texts.size(), wireBytes);
      }
    }
  }

  List<RecognizedText> texts() {
    return texts;
  }

  @Override
  public String describe() {
    return "recognize (" + runner.modelId() + ")";
  }

  @Override
  public void close() {
    runner.close();
  }
}

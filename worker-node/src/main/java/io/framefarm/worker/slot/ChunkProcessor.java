package io.framefarm.worker.slot;

import io.framefarm.media.ChunkDecoder;
import io.framefarm.media.ChunkEncoder;
import io.framefarm.media.ChunkSource;
import io.framefarm.media.EncodeSettings;
import io.framefarm.media.VideoFrame;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.worker.memory.ModelHandle;
import io.framefarm.worker.onnx.OnnxModelLoader;
import io.framefarm.worker.pipeline.ChunkContext;
import io.framefarm.worker.pipeline.PipelineRuntime;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decode, run the pipeline, encode: one chunk, blocking, on the caller's (blocking) thread. The
 * chunk's models and frame buffer come from the device's memory manager through {@link ChunkMemory}.
 */
final class ChunkProcessor {
  /** What a chunk produced: frames encoded and the texts read, empty when the pipeline reads no text. */
  record Result(int frames, List<RecognizedText> texts) {}

  private ChunkProcessor() {}

  /** @param spec the chunk's pipeline, reading the node's cached copies of its files */
  static Result process(AssignChunk a, PipelineSpec spec, Path segment, Path result, AtomicInteger progress,
      ChunkMemory memory, OnnxModelLoader loader) {
    List<ModelHandle> models = memory.acquireModels(loader.modelSpecs(spec));
    var source = new ChunkSource(a.chunk(), a.firstPts(), a.endPts(), a.expectedFrames());
    EncodeSpec e = a.encode();
    VideoSpec v = a.video();
    ChunkEncoder encoder;
    List<RecognizedText> texts;
    try (PipelineRuntime pipeline = PipelineRuntime.create(spec, models,
             new ChunkContext(v.timeBaseNum(), v.timeBaseDen()));
         ChunkDecoder decoder = ChunkDecoder.open(segment, source)) {
      encoder = ChunkEncoder.open(result, decoder.width(), decoder.height(), decoder.layout(),
          v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(), v.frameRateDen(),
          new EncodeSettings(e.crf(), e.preset(), e.lossless()));
      try (encoder) {
        // One pooled frame buffer for the whole chunk, reused for every frame (and by later chunks).
        VideoFrame frame = VideoFrame.wrap(memory.frameBuffer(VideoFrame.byteSize(decoder.width(), decoder.height(),
            decoder.layout())), decoder.width(), decoder.height(), decoder.layout());
        while (decoder.read(frame)) {
          pipeline.apply(frame);
          encoder.write(frame);
          progress.incrementAndGet();
          memory.frameDone();
        }
      }
      texts = pipeline.texts();
    } catch (ai.onnxruntime.OrtException ex) {
      throw new IllegalStateException("pipeline " + spec.name() + " could not start: " + ex.getMessage(), ex);
    }
    return new Result(encoder.framesWritten(), texts);
  }
}

package io.framefarm.worker.slot;

import io.framefarm.media.ChunkDecoder;
import io.framefarm.media.ChunkEncoder;
import io.framefarm.media.ChunkSource;
import io.framefarm.media.EncodeSettings;
import io.framefarm.media.VideoFrame;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import io.framefarm.worker.pipeline.BuiltInStages;
import io.framefarm.worker.pipeline.FrameStage;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** Decode, run the pipeline, encode: one chunk, blocking, on the caller's (blocking) thread. */
final class ChunkProcessor {
  private ChunkProcessor() {}

  /** Returns the number of frames encoded; {@code progress} counts frames as they finish. */
  static int process(AssignChunk a, Path segment, Path result, AtomicInteger progress, ChunkMemory memory) {
    var source = new ChunkSource(a.chunk(), a.firstPts(), a.endPts(), a.expectedFrames());
    EncodeSpec e = a.encode();
    VideoSpec v = a.video();
    ChunkEncoder encoder;
    try (FrameStage stage = BuiltInStages.forName(a.pipeline());
         ChunkDecoder decoder = ChunkDecoder.open(segment, source)) {
      encoder = ChunkEncoder.open(result, decoder.width(), decoder.height(), decoder.layout(),
          v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(), v.frameRateDen(),
          new EncodeSettings(e.crf(), e.preset(), e.lossless()));
      try (encoder) {
        // One pooled frame buffer for the whole chunk, reused for every frame (and by later chunks).
        int bytes = VideoFrame.byteSize(decoder.width(), decoder.height(), decoder.layout());
        VideoFrame frame = VideoFrame.wrap(memory.frameBuffer(bytes), decoder.width(), decoder.height(),
            decoder.layout());
        while (decoder.read(frame)) {
          stage.apply(frame);
          encoder.write(frame);
          progress.incrementAndGet();
          memory.frameDone();
        }
      }
    }
    return encoder.framesWritten();
  }
}

package io.framefarm.worker.slot;

import io.framefarm.media.ChunkDecoder;
import io.framefarm.media.ChunkEncoder;
import io.framefarm.media.ChunkSource;
import io.framefarm.media.EncodeSettings;
import io.framefarm.media.SegmentPassThrough;
import io.framefarm.media.VideoFrame;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated device's result: the chunk's own input frames. When the segment holds exactly the chunk's frames,
 * keyframe first and without B-frames (a source with a keyframe at every chunk start, such as
 * {@code SampleVideo.generate(..., gop)} with chunks a multiple of its GOP), the segment itself is the result: its
 * packets are linked, not decoded. Otherwise the frames are decoded and encoded again, which costs CPU per frame
 * and is said once in the log, as it is then part of what a benchmark measures.
 */
final class SimulatedChunk {
  private static final Logger log = LoggerFactory.getLogger(SimulatedChunk.class);
  private static final AtomicBoolean warned = new AtomicBoolean();

  private SimulatedChunk() {}

  /** Writes {@code result} and returns its frame count. */
  static int produce(AssignChunk a, Path segment, Path result) {
    var source = new ChunkSource(a.chunk(), a.firstPts(), a.endPts(), a.expectedFrames());
    if (SegmentPassThrough.isExactChunk(segment, source)) {
      try {
        Files.createLink(result, segment);
      } catch (IOException | UnsupportedOperationException e) {
        copy(segment, result);
      }
      return a.expectedFrames();
    }
    if (warned.compareAndSet(false, true)) {
      log.warn("Simulated device: {} chunk {} does not start on a keyframe or has B-frames, so its frames are "
          + "decoded and encoded again (CPU per frame); use a source with a keyframe at every chunk start",
          a.jobId(), a.chunk());
    }
    return reencode(a, segment, result, source);
  }

  private static int reencode(AssignChunk a, Path segment, Path result, ChunkSource source) {
    EncodeSpec e = a.encode();
    VideoSpec v = a.video();
    try (ChunkDecoder decoder = ChunkDecoder.open(segment, source)) {
      ChunkEncoder encoder = ChunkEncoder.open(result, decoder.width(), decoder.height(), decoder.layout(),
          v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(), v.frameRateDen(),
          new EncodeSettings(e.crf(), e.preset(), e.lossless()));
      try (encoder) {
        VideoFrame frame = VideoFrame.allocate(decoder.width(), decoder.height(), decoder.layout());
        while (decoder.read(frame)) {
          encoder.write(frame);
        }
      }
      return encoder.framesWritten();
    }
  }

  private static void copy(Path from, Path to) {
    try {
      Files.copy(from, to);
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy " + from + " to " + to, e);
    }
  }
}

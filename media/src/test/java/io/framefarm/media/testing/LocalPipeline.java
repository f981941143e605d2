package io.framefarm.media.testing;

import io.framefarm.media.Assembler;
import io.framefarm.media.AssemblyResult;
import io.framefarm.media.ChunkDecoder;
import io.framefarm.media.ChunkEncoder;
import io.framefarm.media.ChunkPlanner;
import io.framefarm.media.ChunkRange;
import io.framefarm.media.ChunkSource;
import io.framefarm.media.EncodeSettings;
import io.framefarm.media.MediaInfo;
import io.framefarm.media.Probe;
import io.framefarm.media.SegmentExtractor;
import io.framefarm.media.VideoFrame;
import io.framefarm.media.VideoStreamInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The whole chunked job in one thread, without a cluster: probe, plan, then per chunk extract, decode, apply
 * {@code perFrame} in place, encode; finally assemble. What a farm does, minus the farm, as a reference for tests.
 */
public final class LocalPipeline {
  private LocalPipeline() {}

  /** The result and the intermediate files, kept in {@code workDir} for inspection. */
  public record Result(MediaInfo source, List<ChunkRange> chunks, List<Path> segments, List<Path> chunkFiles,
      AssemblyResult assembly) {}

  public static Result run(Path source, int chunkFrames, Path workDir, Path output, EncodeSettings settings,
      Consumer<VideoFrame> perFrame) {
    MediaInfo info = Probe.probe(source);
    List<ChunkRange> plan = ChunkPlanner.plan(info.frames().frameCount(), chunkFrames);
    List<Path> segments = new ArrayList<>();
    List<Path> chunks = new ArrayList<>();
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    VideoStreamInfo v = info.video();
    VideoFrame frame = null;
    for (ChunkRange range : plan) {
      Path segment = workDir.resolve("segment-" + range.index() + ".nut");
      Path chunk = workDir.resolve("chunk-" + range.index() + ".nut");
      ChunkSource chunkSource = SegmentExtractor.extract(info, range, segment);
      try (ChunkDecoder decoder = ChunkDecoder.open(segment, chunkSource)) {
        if (frame == null) {
          frame = VideoFrame.allocate(decoder.width(), decoder.height(), decoder.layout()); // reused
        }
        try (ChunkEncoder encoder = ChunkEncoder.open(chunk, decoder.width(), decoder.height(),
            decoder.layout(), v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(), v.frameRateDen(),
            settings)) {
          while (decoder.read(frame)) {
            perFrame.accept(frame);
            encoder.write(frame);
          }
        }
      }
      segments.add(segment);
      chunks.add(chunk);
    }
    return new Result(info, plan, segments, chunks, Assembler.assemble(info, chunks, output));
  }

  /** Identity pipeline, lossless encode: the output's frames must hash like the input's. */
  public static Result losslessCopy(Path source, int chunkFrames, Path workDir, Path output) {
    return run(source, chunkFrames, workDir, output, EncodeSettings.losslessDefaults(), f -> { });
  }
}

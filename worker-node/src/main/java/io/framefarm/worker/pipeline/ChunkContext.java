package io.framefarm.worker.pipeline;

import java.nio.file.Path;

/**
 * What a pipeline needs to know about the chunk it runs on.
 *
 * @param timeBaseNum numerator of the stream's time base (seconds per pts unit)
 * @param timeBaseDen its denominator
 * @param output the chunk's output file, or null; a pipeline that reads text writes its sidecar
 *     next to it ({@link PipelineRuntime#sidecarFor})
 */
public record ChunkContext(long timeBaseNum, long timeBaseDen, Path output) {

  public ChunkContext {
    if (timeBaseNum <= 0 || timeBaseDen <= 0) {
      throw new IllegalArgumentException("time base must be positive, was " + timeBaseNum + "/" + timeBaseDen);
    }
  }

  /** A context for tests and tools: pts in milliseconds, no output file. */
  public static ChunkContext millis() {
    return new ChunkContext(1, 1000, null);
  }

  public double seconds(long pts) {
    return (double) pts * timeBaseNum / timeBaseDen;
  }
}

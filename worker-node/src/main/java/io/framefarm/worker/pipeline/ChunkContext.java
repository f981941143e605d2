package io.framefarm.worker.pipeline;

/**
 * What a pipeline needs to know about the chunk it runs on.
 *
 * @param timeBaseNum numerator of the stream's time base (seconds per pts unit)
 * @param timeBaseDen its denominator
 */
public record ChunkContext(long timeBaseNum, long timeBaseDen) {

  public ChunkContext {
    if (timeBaseNum <= 0 || timeBaseDen <= 0) {
      throw new IllegalArgumentException("time base must be positive, was " + timeBaseNum + "/" + timeBaseDen);
    }
  }

  /** A context for tests and tools: pts in milliseconds. */
  public static ChunkContext millis() {
    return new ChunkContext(1, 1000);
  }

  public double seconds(long pts) {
    return (double) pts * timeBaseNum / timeBaseDen;
  }
}

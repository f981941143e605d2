package io.framefarm.media;

/**
 * What a worker needs to decode exactly one chunk from a segment file: the frames whose pts (source time
 * base) lie in {@code [firstPts, endPts)}; {@code endPts} is {@link Long#MAX_VALUE} for the last chunk.
 */
public record ChunkSource(int chunkIndex, long firstPts, long endPts, int expectedFrames) {

  public ChunkSource {
    if (endPts <= firstPts || expectedFrames <= 0) {
      throw new IllegalArgumentException("bad chunk source " + chunkIndex + " [" + firstPts + ", " + endPts
          + ") expecting " + expectedFrames);
    }
  }
}

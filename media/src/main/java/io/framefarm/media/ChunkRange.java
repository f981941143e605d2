package io.framefarm.media;

/** Frames {@code [start, end)} in presentation order; chunk {@code index} of a plan. */
public record ChunkRange(int index, int start, int end) {

  public ChunkRange {
    if (index < 0 || start < 0 || end <= start) {
      throw new IllegalArgumentException("bad chunk range " + index + " [" + start + ", " + end + ")");
    }
  }

  public int frames() {
    return end - start;
  }
}

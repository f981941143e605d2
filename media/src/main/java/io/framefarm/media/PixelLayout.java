package io.framefarm.media;

/** Planar 8-bit layouts a {@link VideoFrame} can hold. Chroma planes round odd sizes up. */
public enum PixelLayout {
  YUV420P(3, 1, 1),
  YUV422P(3, 1, 0),
  YUV444P(3, 0, 0),
  GRAY8(1, 0, 0);

  private final int planes;
  private final int chromaShiftX;
  private final int chromaShiftY;

  PixelLayout(int planes, int chromaShiftX, int chromaShiftY) {
    this.planes = planes;
    this.chromaShiftX = chromaShiftX;
    this.chromaShiftY = chromaShiftY;
  }

  public int planeCount() {
    return planes;
  }

  public int planeWidth(int plane, int width) {
    checkPlane(plane);
    return plane == 0 ? width : ceilShift(width, chromaShiftX);
  }

  public int planeHeight(int plane, int height) {
    checkPlane(plane);
    return plane == 0 ? height : ceilShift(height, chromaShiftY);
  }

  /** Whether a frame of this size can be encoded in this layout (4:2:0 and 4:2:2 need even sizes). */
  public boolean supportsSize(int width, int height) {
    return (width & ((1 << chromaShiftX) - 1)) == 0 && (height & ((1 << chromaShiftY) - 1)) == 0;
  }

  private void checkPlane(int plane) {
    if (plane < 0 || plane >= planes) {
      throw new IndexOutOfBoundsException(this + " has no plane " + plane);
    }
  }

  private static int ceilShift(int v, int shift) {
    return (v + (1 << shift) - 1) >> shift;
  }
}

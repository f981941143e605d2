package io.framefarm.worker.pipeline;

/** A rectangle in frame pixels that a detector found, with its mean probability. */
public record Region(int x, int y, int width, int height, float score) {

  public Region {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("empty region " + width + "x" + height);
    }
  }

  public long area() {
    return (long) width * height;
  }

  /**
   * This region grown by {@code pad} pixels on each side, clipped to a {@code frameWidth} x {@code frameHeight} frame.
   */
  public Region grow(int pad, int frameWidth, int frameHeight) {
    int x0 = Math.max(0, x - pad);
    int y0 = Math.max(0, y - pad);
    int x1 = Math.min(frameWidth, x + width + pad);
    int y1 = Math.min(frameHeight, y + height + pad);
    return new Region(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0), score);
  }
}

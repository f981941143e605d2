package io.framefarm.media;

/**
 * The video stream of a file. Timestamps of the {@link FrameIndex} are in {@code timeBaseNum/timeBaseDen}
 * seconds. {@code rotationDegrees} is the clockwise rotation a player applies for display (0, 90, 180, 270),
 * taken from the display matrix; the pixels themselves are never rotated.
 */
public record VideoStreamInfo(int index, String codec, int width, int height, String pixelFormat,
    int timeBaseNum, int timeBaseDen, int frameRateNum, int frameRateDen,
    int rotationDegrees) {

  public double timeBaseSeconds() {
    return (double) timeBaseNum / timeBaseDen;
  }
}

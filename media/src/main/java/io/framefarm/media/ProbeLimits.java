package io.framefarm.media;

import java.time.Duration;

/**
 * What a probe of an untrusted input may cost. The frame size is checked from the container's header before
 * FFmpeg decodes anything (a header can claim 10000x10000 frames, and decoding one to find stream parameters
 * would take gigabytes); the time limit covers the packet scan, which reads the whole file.
 *
 * @param maxWidth widest frame accepted, in pixels
 * @param maxHeight tallest frame accepted, in pixels
 * @param maxPixels largest width × height accepted
 * @param timeout how long the probe may take before it gives up
 */
public record ProbeLimits(int maxWidth, int maxHeight, long maxPixels, Duration timeout) {
  /** 8K (8192x4320, DCI) and a 5-minute scan: beyond what the farm's users send, far below what hurts. */
  public static final ProbeLimits DEFAULT = new ProbeLimits(8192, 8192, 8192L * 4320, Duration.ofMinutes(5));
  /** Files the farm wrote itself (chunks it stores): only a generous time limit. */
  public static final ProbeLimits TRUSTED = new ProbeLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE,
      Duration.ofHours(1));

  public ProbeLimits {
    if (maxWidth < 1 || maxHeight < 1 || maxPixels < 1 || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("probe limits must be positive: " + maxWidth + "x" + maxHeight + ", "
          + maxPixels + " pixels, " + timeout);
    }
  }

  /** Throws when a {@code width}x{@code height} frame is over the limits; unknown sizes (0) pass for now. */
  void checkFrameSize(java.nio.file.Path file, int width, int height) {
    if (width > maxWidth || height > maxHeight || (long) width * height > maxPixels) {
      throw new MediaException(file, "frame size " + width + "x" + height + " is over the limit (at most "
          + maxWidth + "x" + maxHeight + " and " + maxPixels + " pixels)");
    }
  }
}

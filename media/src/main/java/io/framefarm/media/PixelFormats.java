package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_GRAY8;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV422P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV444P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ422P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ444P;

/** Maps FFmpeg pixel formats to {@link PixelLayout}s. */
final class PixelFormats {
  private PixelFormats() {}

  /**
   * The layout whose bytes are exactly those of {@code avFormat}, or null when it needs conversion. The full-range
   * "J" formats have the same memory layout, so their samples are copied unchanged.
   */
  static PixelLayout layoutOf(int avFormat) {
    if (avFormat == AV_PIX_FMT_YUV420P || avFormat == AV_PIX_FMT_YUVJ420P) {
      return PixelLayout.YUV420P;
    }
    if (avFormat == AV_PIX_FMT_YUV422P || avFormat == AV_PIX_FMT_YUVJ422P) {
      return PixelLayout.YUV422P;
    }
    if (avFormat == AV_PIX_FMT_YUV444P || avFormat == AV_PIX_FMT_YUVJ444P) {
      return PixelLayout.YUV444P;
    }
    if (avFormat == AV_PIX_FMT_GRAY8) {
      return PixelLayout.GRAY8;
    }
    return null;
  }

  /** The layout frames of this format and size are delivered in: their own, else 4:2:0 (4:4:4 for odd sizes). */
  static PixelLayout deliveredLayout(int avFormat, int width, int height) {
    PixelLayout own = layoutOf(avFormat);
    if (own != null) {
      return own;
    }
    return PixelLayout.YUV420P.supportsSize(width, height) ? PixelLayout.YUV420P : PixelLayout.YUV444P;
  }

  static int avFormat(PixelLayout layout) {
    return switch (layout) {
      case YUV420P -> AV_PIX_FMT_YUV420P;
      case YUV422P -> AV_PIX_FMT_YUV422P;
      case YUV444P -> AV_PIX_FMT_YUV444P;
      case GRAY8 -> AV_PIX_FMT_GRAY8;
    };
  }
}

package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avutil.av_image_copy_plane;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.SWS_FULL_CHR_H_INT;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Copies decoded AVFrames into {@link VideoFrame}s: a plane copy when the layouts match, swscale otherwise. Native
 * helpers are made once and reused, so a frame costs no frame-sized allocation.
 */
final class FrameCopier implements AutoCloseable {
  private SwsContext sws;
  private final PointerPointer<BytePointer> dstData = new PointerPointer<>(4);
  private final IntPointer dstStride = new IntPointer(4);

  void copy(AVFrame src, VideoFrame dst) {
    if (src.width() != dst.width() || src.height() != dst.height()) {
      throw new IllegalStateException("decoded frame is " + src.width() + "x" + src.height()
          + ", expected " + dst.width() + "x" + dst.height());
    }
    if (PixelFormats.layoutOf(src.format()) == dst.layout()) {
      for (int p = 0; p < dst.planeCount(); p++) {
        av_image_copy_plane(dst.planePointer(p), dst.planeWidth(p), src.data(p), src.linesize(p),
            dst.planeWidth(p), dst.planeHeight(p));
      }
      return;
    }
    sws = sws_getCachedContext(sws, src.width(), src.height(), src.format(), dst.width(), dst.height(),
        PixelFormats.avFormat(dst.layout()), SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, null, null,
        (DoublePointer) null);
    if (sws == null || sws.isNull()) {
      throw new IllegalStateException("swscale cannot convert pixel format " + src.format() + " to " + dst.layout());
    }
    for (int p = 0; p < 4; p++) {
      boolean present = p < dst.planeCount();
      dstData.put(p, present ? dst.planePointer(p) : null);
      dstStride.put(p, present ? dst.planeWidth(p) : 0);
    }
    sws_scale(sws, src.data(), src.linesize(), 0, src.height(), dstData, dstStride);
  }

  @Override
  public void close() {
    if (sws != null && !sws.isNull()) {
      sws_freeContext(sws);
      sws = null;
    }
    dstData.close();
    dstStride.close();
  }
}

package io.framefarm.worker.pipeline;

import io.framefarm.media.VideoFrame;
import io.framefarm.pipeline.BuiltInPipeline;
import java.nio.ByteBuffer;

/**
 * The pixel filters every worker has. They work on the decoded planes directly (no colour
 * conversion) so that tests can state the exact expected output: {@code invert} maps every sample v
 * of every plane to 255 - v (FFmpeg's {@code lutyuv=y=255-val:u=255-val:v=255-val}), {@code grayscale}
 * sets both chroma planes to 128 ({@code lutyuv=y=val:u=128:v=128}).
 */
public final class BuiltInStages {
  private BuiltInStages() {}

  /** The filter; the switch has no default, so a built-in added to {@link BuiltInPipeline} fails to compile here. */
  public static FrameStage of(BuiltInPipeline pipeline) {
    return switch (pipeline) {
      case IDENTITY -> frame -> {};
      case INVERT -> BuiltInStages::invert;
      case GRAYSCALE -> BuiltInStages::grayscale;
    };
  }

  static void invert(VideoFrame frame) {
    ByteBuffer data = frame.data();
    int size = VideoFrame.byteSize(frame.width(), frame.height(), frame.layout());
    int i = 0;
    // Eight samples at a time: 255 - v is v XOR 0xFF on every byte.
    for (; i + 8 <= size; i += 8) {
      data.putLong(i, ~data.getLong(i));
    }
    for (; i < size; i++) {
      data.put(i, (byte) ~data.get(i));
    }
  }

  static void grayscale(VideoFrame frame) {
    ByteBuffer data = frame.data();
    for (int p = 1; p < frame.planeCount(); p++) {
      int start = frame.planeOffset(p);
      int end = start + frame.planeWidth(p) * frame.planeHeight(p);
      for (int i = start; i < end; i++) {
        data.put(i, (byte) 128);
      }
    }
  }
}

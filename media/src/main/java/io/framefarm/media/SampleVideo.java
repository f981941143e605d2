package io.framefarm.media;

import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Generates a sample H.264 + AAC video for {@code farm demo} and the tests: pictures drawn here, a sine tone
 * with a beep every second, encoded with the FFmpeg libraries bundled in the application. Nothing comes from
 * FFmpeg's {@code lavfi} input device, which lives in libavdevice, which needs libpulse: the demo runs on a
 * machine with only a JDK.
 */
public final class SampleVideo {
  private static final int SAMPLE_RATE = 48000;

  /** What the pictures show. */
  public enum Pattern {
    /** A colour gradient scrolling sideways and a white square crossing it: every frame differs. */
    MOVING,
    /** Still colour bars with flat areas and no edges that look like text (for text detectors). */
    BARS
  }

  private SampleVideo() {}

  public static Path generate(Path out, int seconds, int width, int height, int fps) {
    return generate(out, seconds, width, height, fps, null);
  }

  /**
   * As {@link #generate(Path, int, int, int, int)}, with {@code caption} (if not null) drawn in large
   * black letters on a white band over every frame, for pipelines that find or redact text.
   */
  public static Path generate(Path out, int seconds, int width, int height, int fps, String caption) {
    return generate(out, Pattern.MOVING, seconds, width, height, fps, caption);
  }

  /** As above, with {@code pattern}'s pictures. */
  public static Path generate(Path out, Pattern pattern, int seconds, int width, int height, int fps,
      String caption) {
    return generate(out, pattern, seconds, width, height, fps,
        caption == null ? null : Captioner.of(caption, width, height));
  }

  /**
   * As {@link #generate(Path, int, int, int, int)}, with an IDR frame every {@code gop} frames and none between,
   * and no B-frames: chunks of a multiple of {@code gop} frames then start on a keyframe and their segments are
   * valid chunks as they are (what simulated devices pass through without decoding).
   */
  public static Path generate(Path out, int seconds, int width, int height, int fps, int gop) {
    if (gop < 1) {
      throw new IllegalArgumentException("gop must be at least 1, was " + gop);
    }
    return generate(out, Pattern.MOVING, seconds, width, height, fps, null, gop);
  }

  static Path generate(Path out, Pattern pattern, int seconds, int width, int height, int fps, Captioner captioner) {
    return generate(out, pattern, seconds, width, height, fps, captioner, 0);
  }

  private static Path generate(Path out, Pattern pattern, int seconds, int width, int height, int fps,
      Captioner captioner, int gop) {
    Ff.routeLogging(); // JavaCV's recorder dumps the format at FFmpeg's info level, on stderr otherwise
    try {
      Files.createDirectories(out.toAbsolutePath().getParent());
      try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out.toFile(), width, height, 1)) {
        recorder.setFormat("mp4");
        recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
        recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        recorder.setFrameRate(fps);
        recorder.setVideoOption("preset", "veryfast");
        recorder.setVideoOption("crf", "20");
        if (gop > 0) {
          recorder.setGopSize(gop);
          recorder.setVideoOption("x264-params", "bframes=0:scenecut=0:keyint=" + gop + ":min-keyint=" + gop);
        }
        recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
        recorder.setSampleRate(SAMPLE_RATE);
        recorder.setAudioChannels(1);
        recorder.start();
        Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
        ByteBuffer bgr = (ByteBuffer) frame.image[0];
        int stride = frame.imageStride;
        int frames = seconds * fps;
        for (int n = 0; n < frames; n++) {
          if (pattern == Pattern.MOVING || n == 0) {
            draw(pattern, bgr, stride, width, height, n);
            if (captioner != null) {
              captioner.draw(bgr, stride);
            }
          }
          recorder.record(frame, avutil.AV_PIX_FMT_BGR24);
          long from = (long) n * SAMPLE_RATE / fps;
          long to = (long) (n + 1) * SAMPLE_RATE / fps;
          recorder.recordSamples(SAMPLE_RATE, 1, tone(from, (int) (to - from)));
        }
        recorder.stop();
      }
      return out;
    } catch (java.io.IOException e) {
      throw new MediaException(out, "could not generate the sample video: " + e.getMessage());
    }
  }

  private static void draw(Pattern pattern, ByteBuffer bgr, int stride, int width, int height, int n) {
    if (pattern == Pattern.BARS) {
      bars(bgr, stride, width, height);
      return;
    }
    int side = Math.max(2, height / 6);
    int squareX = (n * Math.max(1, width / 120)) % Math.max(1, width - side);
    int squareY = height * 2 / 3 - side / 2;
    for (int y = 0; y < height; y++) {
      int green = y * 255 / Math.max(1, height - 1);
      for (int x = 0; x < width; x++) {
        int at = y * stride + x * 3;
        boolean square = x >= squareX && x < squareX + side && y >= squareY && y < squareY + side;
        int blue = ((x + 4 * n) * 255 / Math.max(1, width)) & 0xff;
        int red = 255 - blue / 2 - green / 2;
        bgr.put(at, (byte) (square ? 255 : blue)).put(at + 1, (byte) (square ? 255 : green))
            .put(at + 2, (byte) (square ? 255 : red));
      }
    }
  }

  /** 75 % colour bars over two thirds, their reverse in a thin strip, then dark and light blocks. */
  private static void bars(ByteBuffer bgr, int stride, int width, int height) {
    int[][] top = {{191, 191, 191}, {0, 191, 191}, {191, 191, 0}, {0, 191, 0}, {191, 0, 191}, {0, 0, 191},
        {191, 0, 0}}; // BGR: white, yellow, cyan, green, magenta, red, blue
    int[][] strip = {{191, 0, 0}, {19, 19, 19}, {191, 0, 191}, {19, 19, 19}, {0, 191, 191}, {19, 19, 19},
        {191, 191, 191}};
    int[][] bottom = {{74, 33, 0}, {255, 255, 255}, {106, 0, 50}, {19, 19, 19}, {19, 19, 19}, {19, 19, 19},
        {19, 19, 19}};
    for (int y = 0; y < height; y++) {
      int[][] row = y < height * 2 / 3 ? top : y < height * 3 / 4 ? strip : bottom;
      for (int x = 0; x < width; x++) {
        int[] c = row[Math.min(6, x * 7 / width)];
        int at = y * stride + x * 3;
        bgr.put(at, (byte) c[0]).put(at + 1, (byte) c[1]).put(at + 2, (byte) c[2]);
      }
    }
  }

  /** {@code count} samples from sample {@code from} on: 440 Hz at 1/8 of full scale, 1760 Hz for 40 ms a second. */
  private static ShortBuffer tone(long from, int count) {
    ShortBuffer samples = ShortBuffer.allocate(count);
    for (int i = 0; i < count; i++) {
      long n = from + i;
      double frequency = n % SAMPLE_RATE < SAMPLE_RATE / 25 ? 1760 : 440;
      samples.put(i, (short) (Math.sin(2 * Math.PI * frequency * n / SAMPLE_RATE) * Short.MAX_VALUE / 8));
    }
    return samples;
  }
}

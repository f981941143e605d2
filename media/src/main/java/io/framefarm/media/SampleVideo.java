package io.framefarm.media;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Generates a sample H.264 + AAC video from FFmpeg's {@code testsrc2} and {@code sine} sources, with
 * the FFmpeg libraries bundled in the application (no ffmpeg command needed), for {@code farm demo}.
 */
public final class SampleVideo {
  private SampleVideo() {}

  public static Path generate(Path out, int seconds, int width, int height, int fps) {
    return generate(out, seconds, width, height, fps, null);
  }

  /**
   * As {@link #generate(Path, int, int, int, int)}, with {@code caption} (if not null) drawn in large
   * black letters on a white band over every frame, for pipelines that find or redact text.
   */
  public static Path generate(Path out, int seconds, int width, int height, int fps, String caption) {
    return generate(out, "testsrc2", seconds, width, height, fps, caption);
  }

  /**
   * As above, over another of FFmpeg's video sources ({@code testsrc2}, {@code smptehdbars}, {@code rgbtestsrc}...).
   */
  public static Path generate(Path out, String source, int seconds, int width, int height, int fps, String caption) {
    String graph = String.format(source + "=size=%dx%d:rate=%d:duration=%d[out0];"
        + "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=%d[out1]", width, height, fps, seconds, seconds);
    Ff.routeLogging(); // JavaCV's recorder dumps the format at FFmpeg's info level, on stderr otherwise
    try {
      Files.createDirectories(out.toAbsolutePath().getParent());
      try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(graph)) {
        grabber.setFormat("lavfi");
        if (caption != null) {
          grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        }
        grabber.start();
        Captioner captioner = caption == null ? null : new Captioner(caption, width, height);
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out.toFile(), width, height, 1)) {
          recorder.setFormat("mp4");
          recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
          recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
          recorder.setFrameRate(fps);
          recorder.setVideoOption("preset", "veryfast");
          recorder.setVideoOption("crf", "20");
          recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
          recorder.setSampleRate(48000);
          recorder.setAudioChannels(1);
          recorder.start();
          Frame frame;
          while ((frame = grabber.grab()) != null) {
            recorder.record(captioner != null && frame.image != null ? captioner.apply(frame) : frame);
          }
          recorder.stop();
        }
        grabber.stop();
      }
      return out;
    } catch (java.io.IOException e) {
      throw new MediaException(out, "could not generate the sample video: " + e.getMessage());
    }
  }
}

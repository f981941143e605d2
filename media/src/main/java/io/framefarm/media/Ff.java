package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_WARNING;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small shared helpers over the FFmpeg C API. */
final class Ff {
  private static final Logger log = LoggerFactory.getLogger("io.framefarm.media.ffmpeg");
  /** FFmpeg prefixes messages with "[demuxer @ 0x55d0...] "; the address means nothing to our callers. */
  private static final Pattern CONTEXT_PREFIX = Pattern.compile("^\\[[^\\]]* @ 0x[0-9a-f]+\\] ");
  private static final ThreadLocal<String> lastError = new ThreadLocal<>();
  private static final LogCallback logCallback = new LogCallback() {
    @Override
    public void call(int level, BytePointer message) {
      String text = CONTEXT_PREFIX.matcher(message.getString().strip()).replaceFirst("");
      if (level <= AV_LOG_ERROR) {
        lastError.set(text);
      }
      // Debug only: failures reach callers as MediaException, with the last FFmpeg error in the reason.
      log.debug("{}", text);
    }
  };

  static {
    // Without this FFmpeg prints every demuxer complaint to stderr.
    av_log_set_level(AV_LOG_WARNING);
    setLogCallback(logCallback);
  }

  /** AVERROR(EAGAIN) on Linux, the only platform our natives are built for. */
  /** Routes FFmpeg's log to slf4j (this class's initializer) before code outside it calls FFmpeg. */
  static void routeLogging() {
    // the static initializer above does the work
  }

  static final int EAGAIN = -11;

  private Ff() {}

  /** {@code ts} rescaled exactly between time bases (the callers' bases divide each other, so no rounding). */
  static long rescale(long ts, AVRational from, AVRational to) {
    return ts == avutil.AV_NOPTS_VALUE ? ts : avutil.av_rescale_q(ts, from, to);
  }

  static String err(int code) {
    byte[] buf = new byte[256];
    av_strerror(code, buf, buf.length);
    int n = 0;
    while (n < buf.length && buf[n] != 0) {
      n++;
    }
    return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
  }

  static int check(int result, Path file, String what) {
    if (result < 0) {
      throw new MediaException(file, what + " (" + describe(result) + ")");
    }
    return result;
  }

  /** The error code's text plus FFmpeg's last logged error on this thread, which often names the real cause. */
  static String describe(int code) {
    String logged = lastError.get();
    lastError.remove();
    String text = err(code);
    return logged == null || logged.isEmpty() || logged.equals(text) ? text : text + "; " + logged;
  }

  static void clearLastError() {
    lastError.remove();
  }

  static AVRational rational(int num, int den) {
    return avutil.av_make_q(num, den);
  }

  /** The URL FFmpeg opens: the file protocol explicitly, so a ':' in a name is never read as a protocol. */
  static String url(Path file) {
    return "file:" + file.toAbsolutePath();
  }

  /** Opens {@code file} for demuxing, with a clear reason when it is missing, a directory or unreadable. */
  static AVFormatContext openInput(Path file, boolean findStreamInfo) {
    return openInput(file, findStreamInfo, null);
  }

  /**
   * Opens {@code file}; with {@code limits}, refuses still images and frames over the size limits before
   * {@code avformat_find_stream_info} decodes anything.
   */
  static AVFormatContext openInput(Path file, boolean findStreamInfo, ProbeLimits limits) {
    checkReadableFile(file);
    AVFormatContext ctx = new AVFormatContext(null);
    clearLastError();
    int r = avformat_open_input(ctx, url(file), (AVInputFormat) null, (AVDictionary) null);
    if (r < 0) {
      throw new MediaException(file, "not a readable media file (" + describe(r) + ")");
    }
    if (limits != null) {
      try {
        checkUntrusted(ctx, file, limits);
      } catch (MediaException e) {
        avformat_close_input(ctx);
        throw e;
      }
    }
    if (findStreamInfo) {
      r = avformat_find_stream_info(ctx, (PointerPointer<?>) null);
      if (r < 0) {
        avformat_close_input(ctx);
        throw new MediaException(file, "cannot read stream parameters (" + describe(r) + ")");
      }
    }
    return ctx;
  }

  /** Image demuxers ({@code png_pipe}, {@code image2}, ...) read a picture, which is not a video to render. */
  private static void checkUntrusted(AVFormatContext ctx, Path file, ProbeLimits limits) {
    String format = ctx.iformat().name().getString();
    if (format.equals("image2") || format.endsWith("_pipe")) {
      throw new MediaException(file, "is a still image (" + format + "), not a video");
    }
    for (int i = 0; i < ctx.nb_streams(); i++) {
      var par = ctx.streams(i).codecpar();
      if (par.codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
        limits.checkFrameSize(file, par.width(), par.height());
      }
    }
  }

  static void checkReadableFile(Path file) {
    if (!Files.exists(file)) {
      throw new MediaException(file, "no such file");
    }
    if (Files.isDirectory(file)) {
      throw new MediaException(file, "is a directory, not a media file");
    }
    if (!Files.isRegularFile(file)) {
      // A FIFO or a device would block FFmpeg's open (or never end); only files are media here.
      throw new MediaException(file, "is not a regular file (a FIFO, socket or device)");
    }
    if (!Files.isReadable(file)) {
      throw new MediaException(file, "not readable (permission denied)");
    }
  }
}

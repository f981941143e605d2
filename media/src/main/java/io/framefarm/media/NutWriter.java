package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_get;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVOutputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVDictionaryEntry;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * Writes one video stream into a NUT file: the segments workers decode and the chunks they encode.
 *
 * <p>NUT picks its own stream time base (a divisor of ours, so rescaling is exact) and stores no dts, only pts, which
 * it cannot store below zero. So the file records the source time base and a pts offset (non-zero only when some pts
 * is negative) as container metadata, and {@link #sourceTimeBase} / {@link #ptsOffset} turn timestamps back.
 */
final class NutWriter implements AutoCloseable {
  static final String TIME_BASE_KEY = "framefarm_time_base";
  static final String PTS_OFFSET_KEY = "framefarm_pts_offset";
  /** AVFMT_AVOID_NEG_TS_DISABLED: negative dts (B-frame delay) must not shift timestamps; NUT ignores dts anyway. */
  private static final int AVOID_NEG_TS_DISABLED = 0;

  private final Path file;
  private final AVFormatContext ctx;
  private final AVStream stream;
  private final AVRational sourceTimeBase;
  private final long ptsOffset;
  private boolean finished;

  private NutWriter(Path file, AVFormatContext ctx, AVStream stream, AVRational sourceTimeBase, long ptsOffset) {
    this.file = file;
    this.ctx = ctx;
    this.stream = stream;
    this.sourceTimeBase = sourceTimeBase;
    this.ptsOffset = ptsOffset;
  }

  /** Creates {@code file} and writes the header; packets given later are in {@code sourceTimeBase}. */
  static NutWriter open(Path file, AVCodecParameters par, AVRational sourceTimeBase, long ptsOffset) {
    AVFormatContext ctx = new AVFormatContext(null);
    Ff.check(avformat_alloc_output_context2(ctx, (AVOutputFormat) null, "nut", Ff.url(file)), file,
        "cannot create NUT muxer");
    try {
      AVStream st = avformat_new_stream(ctx, null);
      Ff.check(org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy(st.codecpar(), par), file,
          "cannot copy codec parameters");
      st.codecpar().codec_tag(0);
      st.time_base(sourceTimeBase);
      AVDictionary meta = new AVDictionary(null);
      av_dict_set(meta, TIME_BASE_KEY, sourceTimeBase.num() + "/" + sourceTimeBase.den(), 0);
      av_dict_set(meta, PTS_OFFSET_KEY, Long.toString(ptsOffset), 0);
      ctx.metadata(meta);
      ctx.avoid_negative_ts(AVOID_NEG_TS_DISABLED);
      AVIOContext pb = new AVIOContext(null);
      Ff.check(avio_open(pb, Ff.url(file), AVIO_FLAG_WRITE), file, "cannot open for writing");
      ctx.pb(pb);
      Ff.check(avformat_write_header(ctx, (AVDictionary) null), file, "cannot write NUT header");
      return new NutWriter(file, ctx, st, sourceTimeBase, ptsOffset);
    } catch (RuntimeException e) {
      free(ctx);
      deleteQuietly(file);
      throw e;
    }
  }

  /** Writes {@code pkt} (timestamps in the source time base; consumed) as the stream's next packet. */
  void write(AVPacket pkt) {
    shift(pkt);
    pkt.stream_index(0);
    org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts(pkt, sourceTimeBase, stream.time_base());
    Ff.check(av_write_frame(ctx, pkt), file, "cannot write packet");
  }

  private void shift(AVPacket pkt) {
    if (ptsOffset != 0) {
      if (pkt.pts() != AV_NOPTS_VALUE) {
        pkt.pts(pkt.pts() + ptsOffset);
      }
      if (pkt.dts() != AV_NOPTS_VALUE) {
        pkt.dts(pkt.dts() + ptsOffset);
      }
    }
  }

  /** Writes the trailer; the file is complete only after this. */
  void finish() {
    if (!finished) {
      finished = true;
      Ff.check(av_write_trailer(ctx), file, "cannot finish NUT file");
    }
  }

  @Override
  public void close() {
    free(ctx);
  }

  private static void free(AVFormatContext ctx) {
    if (ctx.isNull()) {
      return;
    }
    if (ctx.pb() != null && !ctx.pb().isNull()) {
      avio_closep(ctx.pb());
    }
    avformat_free_context(ctx);
    ctx.setNull();
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // best effort: the caller is already reporting the real failure
    }
  }

  /** The source time base a segment or chunk recorded, or the stream's own when written by something else. */
  static AVRational sourceTimeBase(AVFormatContext ctx, AVStream st) {
    AVDictionaryEntry e = av_dict_get(ctx.metadata(), TIME_BASE_KEY, null, 0);
    if (e == null || e.isNull()) {
      return st.time_base();
    }
    String[] parts = e.value().getString().split("/");
    return Ff.rational(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
  }

  /** The pts offset a segment or chunk recorded (source pts = stored pts - offset), 0 when absent. */
  static long ptsOffset(AVFormatContext ctx) {
    AVDictionaryEntry e = av_dict_get(ctx.metadata(), PTS_OFFSET_KEY, null, 0);
    return e == null || e.isNull() ? 0 : Long.parseLong(e.value().getString());
  }
}

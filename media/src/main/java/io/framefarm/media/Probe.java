package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_CORRUPT;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get;
import static org.bytedeco.ffmpeg.global.avutil.av_get_pix_fmt_name;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/** Reads a file's streams and builds its {@link FrameIndex} from a packet scan, without decoding any frame. */
public final class Probe {
  private Probe() {}

  /** A file the farm wrote itself: {@link ProbeLimits#TRUSTED}. */
  public static MediaInfo probe(Path file) {
    return probe(file, ProbeLimits.TRUSTED);
  }

  /**
   * @throws MediaException naming the file and the cause when it is missing, not a regular file, unreadable, a
   *     still image, not a video, broken, over the size limits or slower to scan than the time limit
   */
  public static MediaInfo probe(Path file, ProbeLimits limits) {
    long deadline = System.nanoTime() + limits.timeout().toNanos();
    AVFormatContext ctx = Ff.openInput(file, true, limits);
    try {
      AVStream video = videoStream(ctx, file);
      VideoStreamInfo videoInfo = videoInfo(video);
      // Stream info may have found the size only now.
      limits.checkFrameSize(file, videoInfo.width(), videoInfo.height());
      List<AudioStreamInfo> audio = new ArrayList<>();
      for (int i = 0; i < ctx.nb_streams(); i++) {
        AVCodecParameters par = ctx.streams(i).codecpar();
        if (par.codec_type() == AVMEDIA_TYPE_AUDIO) {
          audio.add(new AudioStreamInfo(i, codecName(par), par.sample_rate(), par.ch_layout().nb_channels()));
        }
      }
      FrameIndex frames = scan(ctx, video, file, deadline, limits);
      String container = ctx.iformat().name().getString();
      return new MediaInfo(file, container, duration(ctx, videoInfo, frames), videoInfo, audio, frames);
    } finally {
      avformat_close_input(ctx);
    }
  }

  /** The first video stream that is real video (not cover art), preferring one marked default. */
  static AVStream videoStream(AVFormatContext ctx, Path file) {
    AVStream chosen = null;
    for (int i = 0; i < ctx.nb_streams(); i++) {
      AVStream st = ctx.streams(i);
      if (st.codecpar().codec_type() != AVMEDIA_TYPE_VIDEO
          || (st.disposition() & avformat.AV_DISPOSITION_ATTACHED_PIC) != 0) {
        continue;
      }
      if (chosen == null || ((st.disposition() & avformat.AV_DISPOSITION_DEFAULT) != 0
          && (chosen.disposition() & avformat.AV_DISPOSITION_DEFAULT) == 0)) {
        chosen = st;
      }
    }
    if (chosen == null) {
      throw new MediaException(file, "no video stream");
    }
    return chosen;
  }

  private static VideoStreamInfo videoInfo(AVStream st) {
    AVCodecParameters par = st.codecpar();
    BytePointer pixName = av_get_pix_fmt_name(par.format());
    AVRational rate = st.avg_frame_rate();
    if (rate.num() <= 0 || rate.den() <= 0) {
      rate = st.r_frame_rate();
    }
    int rateNum = rate.num() > 0 && rate.den() > 0 ? rate.num() : 0;
    int rateDen = rateNum > 0 ? rate.den() : 1;
    return new VideoStreamInfo(st.index(), codecName(par), par.width(), par.height(),
        pixName == null ? "unknown" : pixName.getString(), st.time_base().num(), st.time_base().den(),
        rateNum, rateDen, rotation(par));
  }

  /** Clockwise display rotation from the display matrix (which stores it counterclockwise), normalised to 0..359. */
  static int rotation(AVCodecParameters par) {
    AVPacketSideData sd = av_packet_side_data_get(par.coded_side_data(), par.nb_coded_side_data(),
        AV_PKT_DATA_DISPLAYMATRIX);
    if (sd == null || sd.isNull() || sd.size() < 9 * 4) {
      return 0;
    }
    double ccw = av_display_rotation_get(new IntPointer(sd.data()));
    if (Double.isNaN(ccw)) {
      return 0;
    }
    return Math.floorMod((int) Math.round(-ccw), 360);
  }

  private static String codecName(AVCodecParameters par) {
    return avcodec_get_name(par.codec_id()).getString();
  }

  private static double duration(AVFormatContext ctx, VideoStreamInfo v, FrameIndex frames) {
    if (ctx.duration() != AV_NOPTS_VALUE && ctx.duration() > 0) {
      return ctx.duration() / (double) AV_TIME_BASE;
    }
    int n = frames.frameCount();
    double span = (frames.pts(n - 1) - frames.pts(0)) * v.timeBaseSeconds();
    double frameTime = v.frameRateNum() > 0 ? (double) v.frameRateDen() / v.frameRateNum() : 0;
    return span + frameTime;
  }

  private static FrameIndex scan(AVFormatContext ctx, AVStream video, Path file, long deadline, ProbeLimits limits) {
    int stream = video.index();
    long[] pts = new long[1024];
    long[] dts = new long[1024];
    boolean[] key = new boolean[1024];
    long[] duration = new long[1024];
    int n = 0;
    AVPacket pkt = av_packet_alloc();
    try {
      while (true) {
        int r = av_read_frame(ctx, pkt);
        if (r == AVERROR_EOF) {
          break;
        }
        if ((n & 1023) == 0 && System.nanoTime() - deadline > 0) {
          throw new MediaException(file, "probing took longer than " + limits.timeout().toSeconds() + " s (read "
              + n + " video packets)");
        }
        if (r < 0) {
          throw new MediaException(file, "read error after " + n + " video packets (" + Ff.describe(r) + ")");
        }
        if (pkt.stream_index() == stream) {
          if ((pkt.flags() & AV_PKT_FLAG_CORRUPT) != 0) {
            throw new MediaException(file, "truncated or corrupt: video packet " + n + " is incomplete");
          }
          if (n == pts.length) {
            pts = Arrays.copyOf(pts, n * 2);
            dts = Arrays.copyOf(dts, n * 2);
            key = Arrays.copyOf(key, n * 2);
            duration = Arrays.copyOf(duration, n * 2);
          }
          duration[n] = pkt.duration();
          pts[n] = pkt.pts();
          dts[n] = pkt.dts();
          key[n] = (pkt.flags() & AV_PKT_FLAG_KEY) != 0;
          n++;
        }
        av_packet_unref(pkt);
      }
    } finally {
      av_packet_free(pkt);
    }
    if (n == 0) {
      throw new MediaException(file, "no video frames");
    }
    long declared = video.nb_frames();
    if (declared > n) {
      throw new MediaException(file, "truncated: only " + n + " of " + declared + " video frames present");
    }
    return index(Arrays.copyOf(pts, n), Arrays.copyOf(dts, n), Arrays.copyOf(key, n),
        Arrays.copyOf(duration, n), video.codecpar().video_delay(), frameInterval(video), file);
  }

  /** One frame's nominal duration in the stream's time base, from its frame rate; 0 when unknown. */
  private static long frameInterval(AVStream st) {
    AVRational rate = st.avg_frame_rate().num() > 0 ? st.avg_frame_rate() : st.r_frame_rate();
    if (rate.num() <= 0 || rate.den() <= 0) {
      return 0;
    }
    return org.bytedeco.ffmpeg.global.avutil.av_rescale_q(1, org.bytedeco.ffmpeg.global.avutil.av_inv_q(rate),
        st.time_base());
  }

  /** Sorts packets (decode order) into presentation order; packets without pts fall back to dts when safe. */
  static FrameIndex index(long[] pts, long[] dts, boolean[] key, long[] duration, int videoDelay,
      long frameInterval, Path file) {
    int n = pts.length;
    int missing = 0;
    for (long p : pts) {
      if (p == AV_NOPTS_VALUE) {
        missing++;
      }
    }
    if (missing > 0) {
      boolean dtsComplete = Arrays.stream(dts).noneMatch(d -> d == AV_NOPTS_VALUE);
      // Without reordering, decode order is presentation order and dts is the presentation time.
      if (missing == n && dtsComplete && videoDelay == 0) {
        pts = dts;
      } else {
        throw new MediaException(file, missing + " of " + n + " video packets have no pts"
            + (videoDelay > 0 ? " and the codec reorders frames" : ""));
      }
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    final long[] p = pts;
    Arrays.sort(order, (a, b) -> Long.compare(p[a], p[b]));
    long[] sortedPts = new long[n];
    boolean[] sortedKey = new boolean[n];
    int[] decodeOrder = new int[n];
    for (int i = 0; i < n; i++) {
      int packet = order[i];
      sortedPts[i] = p[packet];
      sortedKey[i] = key[packet];
      decodeOrder[i] = packet;
      if (i > 0 && sortedPts[i] == sortedPts[i - 1]) {
        throw new MediaException(file, "two video frames share pts " + sortedPts[i]);
      }
    }
    long last = duration[decodeOrder[n - 1]];
    if (last <= 0) {
      // The container did not store it: assume the nominal rate, else the previous frame's interval.
      last = frameInterval > 0 ? frameInterval : n > 1 ? sortedPts[n - 1] - sortedPts[n - 2] : 1;
    }
    return FrameIndex.of(sortedPts, sortedKey, decodeOrder, last);
  }
}

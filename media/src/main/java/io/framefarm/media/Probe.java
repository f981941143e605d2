package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get;
import static org.bytedeco.ffmpeg.global.avutil.av_get_pix_fmt_name;

import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Reads a file's streams and builds its {@link FrameIndex} from a packet scan, without decoding any frame. The scan
 * itself is {@link ProbeScan}, which can also stop early or report the start of the index while it reads the rest.
 */
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
    try (ProbeScan scan = ProbeScan.open(file, limits)) {
      scan.advance(Integer.MAX_VALUE);
      return scan.snapshot();
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

  static VideoStreamInfo videoInfo(AVStream st) {
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

  static String codecName(AVCodecParameters par) {
    return avcodec_get_name(par.codec_id()).getString();
  }

  static double duration(AVFormatContext ctx, VideoStreamInfo v, FrameIndex frames) {
    if (ctx.duration() != AV_NOPTS_VALUE && ctx.duration() > 0) {
      return ctx.duration() / (double) AV_TIME_BASE;
    }
    int n = frames.frameCount();
    double span = (frames.pts(n - 1) - frames.pts(0)) * v.timeBaseSeconds();
    double frameTime = v.frameRateNum() > 0 ? (double) v.frameRateDen() / v.frameRateNum() : 0;
    return span + frameTime;
  }

  /** One frame's nominal duration in the stream's time base, from its frame rate; 0 when unknown. */
  static long frameInterval(AVStream st) {
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

package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_CORRUPT;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;

/**
 * {@link Probe}'s packet scan in steps: {@link #advance} reads more packets, {@link #snapshot} is the index so far,
 * and its first {@link #settledFrames} frames (presentation order) are final. So the start of a long file can be
 * planned and cut while the rest is read; a scan run to its end gives exactly {@link Probe#probe}'s result.
 *
 * <p>Why not the container's own index (an MP4's sample tables)? FFmpeg's public index entries carry the decode
 * time only, not the presentation time that B-frames (x264's default) reorder, and Matroska's cues list keyframes
 * only: reading the packets is the one way that is exact for every container the farm accepts.
 *
 * <p>Frames settle because decoders reorder within a bounded window: after {@code n} packets, a decoder that holds
 * back {@code d} frames has shown the {@code n - d} earliest, and every later packet shows later. {@code d} is
 * {@link #REORDER_BOUND}, the largest reorder H.264 and HEVC allow (their 16-frame picture buffer), or the codec's
 * own delay when larger. Whoever plans from a snapshot compares it with the complete index at the end, so a file
 * that breaks this is caught, never planned wrong. Not thread-safe: one caller at a time.
 */
public final class ProbeScan implements AutoCloseable {
  /** Frames a decoder may hold back to reorder them (H.264 and HEVC allow at most 16). */
  public static final int REORDER_BOUND = 16;
  private static final int FIRST_CAPACITY = 1024;

  private final Path file;
  private final ProbeLimits limits;
  private final long deadline;
  private final AVFormatContext ctx;
  private final AVStream video;
  private final VideoStreamInfo videoInfo;
  private final List<AudioStreamInfo> audio = new ArrayList<>();
  private final String container;
  private final int reorder;
  private long[] pts = new long[FIRST_CAPACITY];
  private long[] dts = new long[FIRST_CAPACITY];
  private boolean[] key = new boolean[FIRST_CAPACITY];
  private long[] duration = new long[FIRST_CAPACITY];
  private int n;
  private MediaInfo complete;
  private boolean closed;

  private ProbeScan(Path file, ProbeLimits limits, long deadline, AVFormatContext ctx) {
    this.file = file;
    this.limits = limits;
    this.deadline = deadline;
    this.ctx = ctx;
    this.video = Probe.videoStream(ctx, file);
    this.videoInfo = Probe.videoInfo(video);
    // Stream info may have found the size only now.
    limits.checkFrameSize(file, videoInfo.width(), videoInfo.height());
    for (int i = 0; i < ctx.nb_streams(); i++) {
      AVCodecParameters par = ctx.streams(i).codecpar();
      if (par.codec_type() == AVMEDIA_TYPE_AUDIO) {
        audio.add(new AudioStreamInfo(i, Probe.codecName(par), par.sample_rate(), par.ch_layout().nb_channels()));
      }
    }
    this.container = ctx.iformat().name().getString();
    this.reorder = Math.max(REORDER_BOUND, video.codecpar().video_delay());
  }

  /**
   * Opens {@code file} and reads its header; no packet yet. The time limit counts from here.
   *
   * @throws MediaException naming the file and the cause (see {@link Probe#probe(Path, ProbeLimits)})
   */
  public static ProbeScan open(Path file, ProbeLimits limits) {
    long deadline = System.nanoTime() + limits.timeout().toNanos();
    AVFormatContext ctx = Ff.openInput(file, true, limits);
    try {
      return new ProbeScan(file, limits, deadline, ctx);
    } catch (RuntimeException e) {
      avformat_close_input(ctx);
      throw e;
    }
  }

  public Path file() {
    return file;
  }

  /**
   * Reads up to {@code maxPackets} more packets (of every stream). Returns true once the file was read to its end
   * and checked as {@link Probe#probe} checks it.
   *
   * @throws MediaException when the file is broken, truncated or slower to read than the time limit
   */
  public boolean advance(int maxPackets) {
    if (complete != null) {
      return true;
    }
    if (closed) {
      throw new IllegalStateException("scan of " + file + " is closed");
    }
    AVPacket pkt = av_packet_alloc();
    try {
      int stream = video.index();
      for (int read = 0; read < maxPackets; read++) {
        int r = av_read_frame(ctx, pkt);
        if (r == AVERROR_EOF) {
          finish();
          return true;
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
            av_packet_unref(pkt);
            throw new MediaException(file, "truncated or corrupt: video packet " + n + " is incomplete");
          }
          add(pkt);
        }
        av_packet_unref(pkt);
      }
      return false;
    } finally {
      av_packet_free(pkt);
    }
  }

  private void add(AVPacket pkt) {
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

  private void finish() {
    if (n == 0) {
      throw new MediaException(file, "no video frames");
    }
    long declared = video.nb_frames();
    if (declared > n) {
      throw new MediaException(file, "truncated: only " + n + " of " + declared + " video frames present");
    }
    complete = info();
  }

  /** True once the whole file was read. */
  public boolean complete() {
    return complete != null;
  }

  /** Video packets read so far. */
  public int packets() {
    return n;
  }

  /** How many frames of {@link #snapshot} are final: all once complete, else all but the reorder window. */
  public int settledFrames() {
    return complete != null ? n : Math.max(0, n - reorder);
  }

  /**
   * The file as far as it was read: every video packet read so far, in presentation order (the last frame's
   * duration is a guess until complete). Empty of frames is an error: at least one packet must have been read.
   */
  public MediaInfo snapshot() {
    if (complete != null) {
      return complete;
    }
    if (n == 0 || closed) {
      throw new IllegalStateException(closed ? "scan of " + file + " is closed" : "no video packet read yet from "
          + file);
    }
    return info();
  }

  private MediaInfo info() {
    FrameIndex frames = Probe.index(Arrays.copyOf(pts, n), Arrays.copyOf(dts, n), Arrays.copyOf(key, n),
        Arrays.copyOf(duration, n), video.codecpar().video_delay(), Probe.frameInterval(video), file);
    return new MediaInfo(file, container, Probe.duration(ctx, videoInfo, frames), videoInfo, audio, frames);
  }

  /** Hands the open file to {@link SegmentExtractor.Input#takeOver}: this scan is over, as if closed. */
  AVFormatContext release() {
    if (closed) {
      throw new IllegalStateException("scan of " + file + " is closed");
    }
    closed = true;
    return ctx;
  }

  int videoStreamIndex() {
    return video.index();
  }

  /** Closes the file; the snapshot of a complete scan stays readable. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      avformat_close_input(ctx);
    }
  }
}

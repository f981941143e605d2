package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_BACKWARD;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_seek_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.javacpp.PointerPointer;

/** Cuts the compressed packets one chunk needs out of the source, by stream copy. */
public final class SegmentExtractor {
  private SegmentExtractor() {}

  /**
   * Stream-copies (no decode) the video packets chunk {@code range} needs into {@code out} (NUT container, source
   * time base and codec parameters kept): from a keyframe at or before range.start in decode order through the last
   * packet (decode order) of any frame in the range. Frames outside the range that come along are decoded and
   * dropped by {@link ChunkDecoder}. {@code info} may come from a scan still under way ({@link ProbeScan}) when
   * the range lies within its settled frames: every packet the range needs has been read then.
   */
  public static ChunkSource extract(MediaInfo info, ChunkRange range, Path out) {
    try (Input in = Input.open(info)) {
      return extract(in, info, range, out);
    }
  }

  /**
   * The source opened once for many chunks: opening a long MP4 parses an index of every sample, which costs more
   * than cutting a chunk. Not thread-safe: one {@link #extract(Input, MediaInfo, ChunkRange, Path)} at a time.
   */
  public static final class Input implements AutoCloseable {
    private final AVFormatContext ctx;
    private final AVStream stream;
    private boolean closed;
    /** Read from before: not at the start any more. */
    private boolean used;

    private Input(AVFormatContext ctx, AVStream stream) {
      this.ctx = ctx;
      this.stream = stream;
    }

    public static Input open(MediaInfo info) {
      Path source = info.file();
      AVFormatContext in = Ff.openInput(source, false);
      try {
        AVStream st = in.streams(info.video().index());
        if (st.codecpar().width() <= 0) {
          // Headerless containers only learn codec parameters from the first packets.
          Ff.check(avformat_find_stream_info(in, (PointerPointer<?>) null), source, "cannot read stream parameters");
        }
        return new Input(in, st);
      } catch (RuntimeException e) {
        avformat_close_input(in);
        throw e;
      }
    }

    /**
     * The file {@code scan} has open, to cut chunks from: a scan that stopped part way (a long input's start, read
     * to validate and plan it) saves the next user opening the file again. {@code scan} is over.
     */
    public static Input takeOver(ProbeScan scan) {
      AVFormatContext ctx = scan.release();
      Input in = new Input(ctx, ctx.streams(scan.videoStreamIndex()));
      in.used = true;
      return in;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        avformat_close_input(ctx);
      }
    }
  }

  /** As {@link #extract(MediaInfo, ChunkRange, Path)}, from {@code input} opened before (and left open). */
  public static ChunkSource extract(Input input, MediaInfo info, ChunkRange range, Path out) {
    FrameIndex index = info.frames();
    if (range.end() > index.frameCount()) {
      throw new IllegalArgumentException(range + " beyond " + index.frameCount() + " frames");
    }
    int keyframe = index.prerollKeyframe(range.start(), range.end());
    int firstDecode = keyframe < 0 ? 0 : index.decodeOrder(keyframe);
    int lastDecode = index.maxDecodePosition(range.start(), range.end());
    long[] dts = decodeTimestamps(index, firstDecode, lastDecode);
    long minPts = index.pts(index.frameAtDecodePosition(firstDecode));
    for (int d = firstDecode; d <= lastDecode; d++) {
      minPts = Math.min(minPts, index.pts(index.frameAtDecodePosition(d)));
    }
    long offset = minPts < 0 ? -minPts : 0;

    Path source = info.file();
    AVFormatContext in = input.ctx;
    AVPacket pkt = av_packet_alloc();
    NutWriter writer = null;
    boolean ok = false;
    try {
      AVStream st = input.stream;
      // Seeking is only a shortcut: packets are identified by pts below, and an overshoot reads from the start.
      if (keyframe >= 0 && firstDecode > 0) {
        av_seek_frame(in, st.index(), index.pts(keyframe), AVSEEK_FLAG_BACKWARD);
      } else if (input.used) {
        Ff.check(av_seek_frame(in, -1, Long.MIN_VALUE, AVSEEK_FLAG_BACKWARD), source, "cannot rewind");
      }
      input.used = true;
      writer = NutWriter.open(out, st.codecpar(), st.time_base(), offset);
      int next = firstDecode;
      boolean rewound = false;
      while (next <= lastDecode) {
        int r = av_read_frame(in, pkt);
        if (r == AVERROR_EOF) {
          throw new MediaException(source, "ended at packet " + next + " of chunk " + range.index()
              + ", which needs packets up to " + lastDecode);
        }
        Ff.check(r, source, "read error");
        if (pkt.stream_index() != st.index()) {
          av_packet_unref(pkt);
          continue;
        }
        int position = decodePosition(index, pkt);
        if (position < 0 && (rewound || next != firstDecode)) {
          throw new MediaException(source, "video packet with pts " + packetTime(pkt) + " is not in the frame index"
              + " (has the file changed since it was probed?)");
        }
        // A seek that overshot lands on a packet after the range, which an index of the file's start may not hold.
        if ((position > next || position < 0) && !rewound && next == firstDecode) {
          av_packet_unref(pkt);
          Ff.check(av_seek_frame(in, -1, Long.MIN_VALUE, AVSEEK_FLAG_BACKWARD), source, "cannot rewind");
          rewound = true;
          continue;
        }
        if (position < next) {
          av_packet_unref(pkt);
          continue;
        }
        if (position != next) {
          throw new MediaException(source, "video packet " + next + " missing while extracting chunk "
              + range.index());
        }
        pkt.dts(dts[next - firstDecode]);
        writer.write(pkt);
        av_packet_unref(pkt);
        next++;
      }
      writer.finish();
      ok = true;
    } finally {
      av_packet_free(pkt);
      if (writer != null) {
        writer.close();
      }
      if (!ok) {
        NutWriter.deleteQuietly(out);
      }
    }
    return new ChunkSource(range.index(), index.pts(range.start()), index.endPts(range.end()), range.frames());
  }

  /**
   * Dts for the segment's packets, rebuilt from their pts: the k-th smallest pts for the k-th packet, shifted so no
   * dts exceeds its pts. Demuxers that store no dts (Matroska) hand out guesses the muxer rejects as non-monotonic;
   * NUT stores no dts either and needs only valid ones.
   */
  private static long[] decodeTimestamps(FrameIndex index, int firstDecode, int lastDecode) {
    int n = lastDecode - firstDecode + 1;
    long[] pts = new long[n];
    for (int d = firstDecode; d <= lastDecode; d++) {
      pts[d - firstDecode] = index.pts(index.frameAtDecodePosition(d));
    }
    long[] sorted = pts.clone();
    java.util.Arrays.sort(sorted);
    long shift = 0;
    for (int k = 0; k < n; k++) {
      shift = Math.max(shift, sorted[k] - pts[k]);
    }
    for (int k = 0; k < n; k++) {
      sorted[k] -= shift;
    }
    return sorted;
  }

  /** The decode position of the frame this packet carries, found by its pts as the probe recorded it; -1 if none. */
  private static int decodePosition(FrameIndex index, AVPacket pkt) {
    int frame = index.indexOfPts(packetTime(pkt));
    return frame < 0 ? -1 : index.decodeOrder(frame);
  }

  private static long packetTime(AVPacket pkt) {
    return pkt.pts() != AV_NOPTS_VALUE ? pkt.pts() : pkt.dts(); // same fallback as Probe
  }
}

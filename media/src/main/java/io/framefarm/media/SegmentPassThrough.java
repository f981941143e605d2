package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * Whether a segment cut by {@link SegmentExtractor} is, as it is, a valid encoded chunk: exactly the chunk's frames,
 * a keyframe first, no frame reordered (so no B-frames). That holds when the source has a keyframe at every chunk
 * start and no B-frames; then the segment can stand for the chunk's result without decoding anything. Reads
 * packets only (demux, no decode).
 */
public final class SegmentPassThrough {
  private SegmentPassThrough() {}

  /** True when {@code segment} holds exactly {@code source}'s frames, keyframe first, in presentation order. */
  public static boolean isExactChunk(Path segment, ChunkSource source) {
    AVFormatContext in = Ff.openInput(segment, false);
    AVPacket pkt = av_packet_alloc();
    try {
      AVStream st = Probe.videoStream(in, segment);
      AVRational sourceTimeBase = NutWriter.sourceTimeBase(in, st);
      long offset = NutWriter.ptsOffset(in);
      int frames = 0;
      long lastPts = Long.MIN_VALUE;
      while (true) {
        int r = av_read_frame(in, pkt);
        if (r == AVERROR_EOF) {
          break;
        }
        Ff.check(r, segment, "read error");
        try {
          if (pkt.stream_index() != st.index()) {
            continue;
          }
          if (pkt.pts() == AV_NOPTS_VALUE) {
            return false;
          }
          long pts = av_rescale_q(pkt.pts(), st.time_base(), sourceTimeBase) - offset;
          boolean first = frames == 0;
          if (first && ((pkt.flags() & AV_PKT_FLAG_KEY) == 0 || pts != source.firstPts())) {
            return false;
          }
          if (pts <= lastPts || pts >= source.endPts()) {
            return false;
          }
          lastPts = pts;
          frames++;
        } finally {
          av_packet_unref(pkt);
        }
      }
      return frames == source.expectedFrames();
    } finally {
      av_packet_free(pkt);
      avformat_close_input(in);
    }
  }
}

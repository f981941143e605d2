package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_cmp_q;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * Reads the video packets of encoded chunk files one after another, with timestamps back in the source time base,
 * checking that the chunks fit together: same codec configuration and strictly increasing dts across chunk borders.
 */
final class ChunkReader implements AutoCloseable {
  private final List<Path> files;
  private final VideoStreamInfo sourceVideo;
  private final FrameIndex sourceIndex;
  private final AVRational sourceTimeBase;
  private byte[] extradata;
  private int current = -1;
  private AVFormatContext in;
  private AVStream stream;
  private long ptsOffset;
  private long lastDts = Long.MIN_VALUE;
  private boolean firstPacket;
  private int frames;

  ChunkReader(List<Path> files, VideoStreamInfo sourceVideo, FrameIndex sourceIndex) {
    this.files = List.copyOf(files);
    this.sourceIndex = sourceIndex;
    this.sourceVideo = sourceVideo;
    this.sourceTimeBase = Ff.rational(sourceVideo.timeBaseNum(), sourceVideo.timeBaseDen());
    openNext();
  }

  AVCodecParameters parameters() {
    return stream.codecpar();
  }

  AVRational sourceTimeBase() {
    return sourceTimeBase;
  }

  FrameIndex sourceIndex() {
    return sourceIndex;
  }

  int frames() {
    return frames;
  }

  /** Reads the next video packet into {@code pkt} (source time base); false after the last chunk. */
  boolean next(AVPacket pkt) {
    while (in != null) {
      int r = av_read_frame(in, pkt);
      if (r == AVERROR_EOF) {
        openNext();
        continue;
      }
      Path file = files.get(current);
      Ff.check(r, file, "read error");
      if (pkt.stream_index() != stream.index()) {
        av_packet_unref(pkt);
        continue;
      }
      av_packet_rescale_ts(pkt, stream.time_base(), sourceTimeBase);
      if (pkt.pts() == AV_NOPTS_VALUE) {
        throw new MediaException(file, "video packet without pts");
      }
      pkt.pts(pkt.pts() - ptsOffset);
      // Chunks have no B-frames, so a missing dts (NUT stores none) is the pts.
      pkt.dts(pkt.dts() == AV_NOPTS_VALUE ? pkt.pts() : pkt.dts() - ptsOffset);
      if (pkt.dts() <= lastDts) {
        throw new MediaException(file, firstPacket
            ? "starts at dts " + pkt.dts() + ", not after the previous chunk's last dts " + lastDts
            : "dts " + pkt.dts() + " does not follow " + lastDts);
      }
      lastDts = pkt.dts();
      pkt.pos(-1);
      frames++;
      firstPacket = false;
      return true;
    }
    return false;
  }

  private void openNext() {
    closeCurrent();
    current++;
    if (current >= files.size()) {
      return;
    }
    Path file = files.get(current);
    in = Ff.openInput(file, false);
    stream = Probe.videoStream(in, file);
    firstPacket = true;
    AVRational recorded = NutWriter.sourceTimeBase(in, stream);
    if (av_cmp_q(recorded, sourceTimeBase) != 0) {
      throw new MediaException(file, "encoded in time base " + recorded.num() + "/" + recorded.den()
          + ", source uses " + sourceTimeBase.num() + "/" + sourceTimeBase.den());
    }
    ptsOffset = NutWriter.ptsOffset(in);
    AVCodecParameters par = stream.codecpar();
    if (par.width() != sourceVideo.width() || par.height() != sourceVideo.height()) {
      throw new MediaException(file, "chunk is " + par.width() + "x" + par.height() + ", source is "
          + sourceVideo.width() + "x" + sourceVideo.height());
    }
    byte[] data = new byte[par.extradata_size()];
    if (data.length > 0) {
      par.extradata().get(data);
    }
    if (extradata == null) {
      extradata = data;
    } else if (!Arrays.equals(extradata, data)) {
      // mp4 and mkv keep one codec configuration per track: chunks encoded differently would not decode.
      throw new MediaException(file, "encoded with different codec parameters than " + files.get(0).getFileName());
    }
  }

  private void closeCurrent() {
    if (in != null) {
      avformat_close_input(in);
      in = null;
      stream = null;
    }
  }

  @Override
  public void close() {
    closeCurrent();
    current = files.size();
  }
}

package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_DEFAULT;
import static org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_NONREF;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes exactly one chunk from a segment made by {@link SegmentExtractor}: every packet is decoded (preroll
 * included), and only frames whose pts lies in {@code [firstPts, endPts)} are delivered, in presentation order, with
 * their source pts. Not thread-safe; one decoder per chunk.
 */
public final class ChunkDecoder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChunkDecoder.class);

  private final Path segment;
  private final ChunkSource source;
  private final AVFormatContext in;
  private AVCodecContext codec;
  private final AVPacket packet = av_packet_alloc();
  private final AVFrame frame = av_frame_alloc();
  private final FrameCopier copier = new FrameCopier();
  private int streamIndex;
  private AVRational streamTimeBase;
  private AVRational sourceTimeBase;
  private long ptsOffset;
  private int width;
  private int height;
  private PixelLayout layout;
  private boolean pending;   // `frame` holds a decoded frame not yet looked at by read()
  private boolean draining;  // the decoder has been sent the flush packet
  private boolean done;
  private int delivered;
  private long lastPts = Long.MIN_VALUE;

  private ChunkDecoder(Path segment, ChunkSource source, AVFormatContext in) {
    this.segment = segment;
    this.source = source;
    this.in = in;
  }

  private void init() {
    AVStream st = Probe.videoStream(in, segment);
    this.streamIndex = st.index();
    this.streamTimeBase = st.time_base();
    this.sourceTimeBase = NutWriter.sourceTimeBase(in, st);
    this.ptsOffset = NutWriter.ptsOffset(in);
    AVCodec decoder = avcodec_find_decoder(st.codecpar().codec_id());
    if (decoder == null || decoder.isNull()) {
      throw new MediaException(segment, "no decoder for " + st.codecpar().codec_id());
    }
    this.codec = avcodec_alloc_context3(decoder);
    Ff.check(avcodec_parameters_to_context(codec, st.codecpar()), segment, "cannot set decoder parameters");
    codec.pkt_timebase(streamTimeBase);
    codec.thread_count(0); // the library default is one thread; 0 lets FFmpeg use every core, as the CLI does
    Ff.check(avcodec_open2(codec, decoder, (AVDictionary) null), segment, "cannot open decoder");
  }

  /** Opens the segment and decodes up to its first frame, so that size and layout are known before any read. */
  public static ChunkDecoder open(Path segment, ChunkSource source) {
    ChunkDecoder decoder = new ChunkDecoder(segment, source, Ff.openInput(segment, false));
    try {
      decoder.init();
      if (!decoder.decodeNext()) {
        throw new MediaException(segment, "segment of chunk " + source.chunkIndex() + " has no decodable frame");
      }
      decoder.pending = true;
      decoder.width = decoder.frame.width();
      decoder.height = decoder.frame.height();
      decoder.layout = PixelFormats.deliveredLayout(decoder.frame.format(), decoder.width, decoder.height);
      return decoder;
    } catch (RuntimeException e) {
      decoder.close();
      throw e;
    }
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The source's layout if it is one of {@link PixelLayout}'s, else YUV420P (YUV444P for odd sizes), via swscale. */
  public PixelLayout layout() {
    return layout;
  }

  public ChunkSource source() {
    return source;
  }

  public int framesDelivered() {
    return delivered;
  }

  /**
   * Copies the chunk's next frame (presentation order) into {@code into}, which must have this decoder's size and
   * layout, and sets its pts (source time base). Returns false when the chunk is done.
   *
   * @throws MediaException when the segment is broken or the chunk did not yield exactly the expected frames
   */
  public boolean read(VideoFrame into) {
    if (into.width() != width || into.height() != height || into.layout() != layout) {
      throw new IllegalArgumentException("frame is " + into.width() + "x" + into.height() + " " + into.layout()
          + ", chunk is " + width + "x" + height + " " + layout);
    }
    while (!done) {
      if (!pending && !decodeNext()) {
        done = true;
        break;
      }
      pending = false;
      long pts = sourcePts();
      if (pts < source.firstPts() || pts >= source.endPts()) {
        av_frame_unref(frame);
        continue;
      }
      if (pts <= lastPts) {
        throw new MediaException(segment, "frame pts " + pts + " after " + lastPts + " in chunk "
            + source.chunkIndex());
      }
      if (delivered == source.expectedFrames()) {
        throw new MediaException(segment, "chunk " + source.chunkIndex() + " yields more than the expected "
            + source.expectedFrames() + " frames");
      }
      copier.copy(frame, into);
      into.setPts(pts);
      lastPts = pts;
      delivered++;
      av_frame_unref(frame);
      return true;
    }
    if (delivered != source.expectedFrames()) {
      throw new MediaException(segment, "chunk " + source.chunkIndex() + " yielded " + delivered
          + " frames, expected " + source.expectedFrames());
    }
    return false;
  }

  private long sourcePts() {
    long pts = frame.pts() != AV_NOPTS_VALUE ? frame.pts() : frame.best_effort_timestamp();
    if (pts == AV_NOPTS_VALUE) {
      throw new MediaException(segment, "decoded a frame without timestamp in chunk " + source.chunkIndex());
    }
    return Ff.rescale(pts, streamTimeBase, sourceTimeBase) - ptsOffset;
  }

  /** Decodes into {@code frame}; false once the decoder is fully drained. */
  private boolean decodeNext() {
    while (true) {
      int r = avcodec_receive_frame(codec, frame);
      if (r >= 0) {
        return true;
      }
      if (r == AVERROR_EOF) {
        return false;
      }
      if (r != Ff.EAGAIN) {
        Ff.check(r, segment, "decode error in chunk " + source.chunkIndex());
      }
      feed();
    }
  }

  private void feed() {
    if (draining) {
      throw new MediaException(segment, "decoder wants input after flush");
    }
    while (true) {
      int r = av_read_frame(in, packet);
      if (r == AVERROR_EOF) {
        draining = true;
        Ff.check(avcodec_send_packet(codec, null), segment, "cannot flush decoder");
        return;
      }
      Ff.check(r, segment, "read error");
      if (packet.stream_index() != streamIndex) {
        av_packet_unref(packet);
        continue;
      }
      codec.skip_frame(wanted(packet) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF);
      r = avcodec_send_packet(codec, packet);
      av_packet_unref(packet);
      if (r == AVERROR_INVALIDDATA) {
        // Like the ffmpeg CLI, skip a damaged packet; a frame of the range lost this way fails the count.
        log.debug("{}: skipped undecodable packet in chunk {}", segment, source.chunkIndex());
        return;
      }
      Ff.check(r, segment, "cannot decode packet");
      return;
    }
  }

  /**
   * Whether the packet's frame is in the range. Preroll frames no other frame references (non-reference B-frames)
   * need not be decoded at all; with long GOPs and small chunks that is much of the preroll.
   */
  private boolean wanted(AVPacket pkt) {
    if (pkt.pts() == AV_NOPTS_VALUE) {
      return true;
    }
    long pts = Ff.rescale(pkt.pts(), streamTimeBase, sourceTimeBase) - ptsOffset;
    return pts >= source.firstPts() && pts < source.endPts();
  }

  @Override
  public void close() {
    if (codec != null && !codec.isNull()) {
      avcodec_free_context(codec);
    }
    if (!in.isNull()) {
      avformat_close_input(in);
    }
    if (!packet.isNull()) {
      av_packet_free(packet);
    }
    if (!frame.isNull()) {
      av_frame_free(frame);
    }
    copier.close();
  }
}

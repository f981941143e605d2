package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_CLOSED_GOP;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_I;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_NONE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_image_copy_plane;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * Encodes one chunk's frames with libx264 into a NUT file, keeping each frame's source pts.
 *
 * <p>Every chunk is encoded the same way, so chunks concatenate into one valid stream: the first frame is an IDR,
 * GOPs are closed, and there are no B-frames. Without B-frames dts equals pts, so chunk packets placed one after
 * another keep strictly increasing dts; with B-frames each chunk would start at a dts before its first pts, overlapping
 * the previous chunk's last dts. Global headers put SPS/PPS in extradata, which mp4 and mkv need for their codec
 * configuration (and NUT requires).
 */
public final class ChunkEncoder implements AutoCloseable {
  private final Path out;
  private final int width;
  private final int height;
  private final PixelLayout layout;
  private final AVRational timeBase;
  private AVCodecContext codec;
  private AVFrame frame;
  private AVPacket packet;
  private NutWriter writer;
  private int written;
  private long lastPts = Long.MIN_VALUE;
  private boolean closed;

  private ChunkEncoder(Path out, int width, int height, PixelLayout layout, AVRational timeBase) {
    this.out = out;
    this.width = width;
    this.height = height;
    this.layout = layout;
    this.timeBase = timeBase;
  }

  /**
   * Opens the encoder; frames given to {@link #write} must be {@code width}x{@code height} in {@code layout}, with pts
   * in {@code timeBaseNum/timeBaseDen} (the source's). A frame rate of 0/x means unknown (variable).
   */
  public static ChunkEncoder open(Path out, int width, int height, PixelLayout layout, int timeBaseNum,
      int timeBaseDen, int frameRateNum, int frameRateDen, EncodeSettings settings) {
    if (!layout.supportsSize(width, height)) {
      throw new IllegalArgumentException(layout + " cannot hold a " + width + "x" + height
          + " frame (chroma subsampling needs even sizes); use YUV444P");
    }
    if (timeBaseNum <= 0 || timeBaseDen <= 0) {
      throw new IllegalArgumentException("bad time base " + timeBaseNum + "/" + timeBaseDen);
    }
    ChunkEncoder encoder = new ChunkEncoder(out, width, height, layout, Ff.rational(timeBaseNum, timeBaseDen));
    try {
      encoder.init(frameRateNum, frameRateDen, settings);
      return encoder;
    } catch (RuntimeException e) {
      encoder.release();
      NutWriter.deleteQuietly(out);
      throw e;
    }
  }

  private void init(int frameRateNum, int frameRateDen, EncodeSettings settings) {
    AVCodec x264 = avcodec_find_encoder_by_name("libx264");
    if (x264 == null || x264.isNull()) {
      throw new MediaException(out, "libx264 encoder not available in this FFmpeg build");
    }
    codec = avcodec_alloc_context3(x264);
    codec.width(width);
    codec.height(height);
    codec.pix_fmt(PixelFormats.avFormat(layout));
    codec.time_base(timeBase);
    if (frameRateNum > 0 && frameRateDen > 0) {
      codec.framerate(Ff.rational(frameRateNum, frameRateDen));
    }
    codec.max_b_frames(0);
    codec.thread_count(0); // all cores; x264's SPS/PPS do not depend on the thread count, so chunks still match
    codec.flags(codec.flags() | AV_CODEC_FLAG_GLOBAL_HEADER | AV_CODEC_FLAG_CLOSED_GOP);
    option("preset", settings.lossless() ? "ultrafast" : settings.preset());
    if (settings.lossless()) {
      option("qp", "0");
    } else {
      option("crf", Integer.toString(settings.crf()));
    }
    option("forced-idr", "1"); // a forced I frame (our first) becomes an IDR, not a recovery-point I frame
    Ff.check(avcodec_open2(codec, x264, (AVDictionary) null), out, "cannot open libx264");

    frame = av_frame_alloc();
    frame.format(codec.pix_fmt());
    frame.width(width);
    frame.height(height);
    Ff.check(av_frame_get_buffer(frame, 0), out, "cannot allocate encoder frame");
    packet = av_packet_alloc();
  }

  private void openWriter(long ptsOffset) {
    AVCodecParameters par = avcodec_parameters_alloc();
    try {
      Ff.check(avcodec_parameters_from_context(par, codec), out, "cannot read encoder parameters");
      writer = NutWriter.open(out, par, timeBase, ptsOffset);
    } finally {
      avcodec_parameters_free(par);
    }
  }

  private void option(String name, String value) {
    Ff.check(av_opt_set(codec.priv_data(), name, value, 0), out, "libx264 rejects " + name + "=" + value);
  }

  /** Encodes {@code frame} with {@code frame.pts()} (source time base) as its timestamp; pts must increase. */
  public void write(VideoFrame source) {
    if (closed) {
      throw new IllegalStateException("encoder for " + out + " is closed");
    }
    if (source.width() != width || source.height() != height || source.layout() != layout) {
      throw new IllegalArgumentException("frame is " + source.width() + "x" + source.height() + " "
          + source.layout() + ", encoder is " + width + "x" + height + " " + layout);
    }
    if (source.pts() <= lastPts) {
      throw new IllegalArgumentException("pts " + source.pts() + " does not follow " + lastPts);
    }
    if (writer == null) {
      // Frames come in pts order, so the first pts is the lowest: NUT stores no negative pts, shift past it.
      openWriter(Math.max(0, -source.pts()));
    }
    Ff.check(av_frame_make_writable(frame), out, "encoder frame not writable");
    for (int p = 0; p < source.planeCount(); p++) {
      av_image_copy_plane(frame.data(p), frame.linesize(p), source.planePointer(p), source.planeWidth(p),
          source.planeWidth(p), source.planeHeight(p));
    }
    frame.pts(source.pts());
    boolean first = written == 0;
    frame.pict_type(first ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE);
    Ff.check(avcodec_send_frame(codec, frame), out, "cannot encode frame");
    lastPts = source.pts();
    written++;
    drain();
  }

  private void drain() {
    while (true) {
      int r = avcodec_receive_packet(codec, packet);
      if (r == Ff.EAGAIN || r == AVERROR_EOF) {
        return;
      }
      Ff.check(r, out, "encoder error");
      writer.write(packet);
      av_packet_unref(packet);
    }
  }

  public int framesWritten() {
    return written;
  }

  /** Flushes the encoder and finishes the NUT file. Idempotent; a failed encoder only releases its resources. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (writer == null) {
        openWriter(0); // no frames: still leave a valid, empty chunk file
      }
      Ff.check(avcodec_send_frame(codec, null), out, "cannot flush encoder");
      drain();
      writer.finish();
    } finally {
      release();
    }
  }

  private void release() {
    if (codec != null && !codec.isNull()) {
      avcodec_free_context(codec);
    }
    if (frame != null && !frame.isNull()) {
      av_frame_free(frame);
    }
    if (packet != null && !packet.isNull()) {
      av_packet_free(packet);
    }
    if (writer != null) {
      writer.close();
    }
  }
}

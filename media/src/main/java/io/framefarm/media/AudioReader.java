package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import java.util.Arrays;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;

/** Reads the source's audio packets as they are stored; stream indices become 0..n-1 over the audio streams. */
final class AudioReader implements AutoCloseable {
  private final MediaInfo source;
  private final AVFormatContext in;
  private final int[] localIndex;
  private final AVStream[] streams;

  AudioReader(MediaInfo source) {
    this.source = source;
    this.streams = new AVStream[source.audio().size()];
    if (streams.length == 0) {
      this.in = null;
      this.localIndex = new int[0];
      return;
    }
    // Stream info gives each stream's frame size, needed to fill the packet durations some demuxers leave out.
    this.in = Ff.openInput(source.file(), true);
    this.localIndex = new int[in.nb_streams()];
    Arrays.fill(localIndex, -1);
    for (int a = 0; a < streams.length; a++) {
      int index = source.audio().get(a).index();
      streams[a] = in.streams(index);
      localIndex[index] = a;
    }
  }

  int streamCount() {
    return streams.length;
  }

  AVStream stream(int local) {
    return streams[local];
  }

  boolean next(AVPacket pkt) {
    if (in == null) {
      return false;
    }
    while (true) {
      int r = av_read_frame(in, pkt);
      if (r == AVERROR_EOF) {
        return false;
      }
      Ff.check(r, source.file(), "read error while copying audio");
      int local = pkt.stream_index() < localIndex.length ? localIndex[pkt.stream_index()] : -1;
      if (local >= 0) {
        pkt.stream_index(local);
        if (pkt.duration() <= 0) {
          pkt.duration(frameDuration(streams[local]));
        }
        return true;
      }
      av_packet_unref(pkt);
    }
  }

  /**
   * One packet's duration from the codec's samples per packet, 0 if unknown. Matroska leaves audio durations out;
   * an mp4 muxer given none ends its edit list at the last packet's start, so players would drop that packet.
   */
  private static long frameDuration(AVStream st) {
    int samples = st.codecpar().frame_size();
    int rate = st.codecpar().sample_rate();
    if (samples <= 0 || rate <= 0) {
      return 0;
    }
    return av_rescale_q(samples, Ff.rational(1, rate), st.time_base());
  }

  @Override
  public void close() {
    if (in != null && !in.isNull()) {
      avformat_close_input(in);
    }
  }
}

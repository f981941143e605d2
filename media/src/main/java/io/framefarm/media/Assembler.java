package io.framefarm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_new;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_NOFILE;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_format;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.av_compare_ts;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_copy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVOutputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.IntPointer;

/** Joins encoded chunks into the final file and copies the source's audio into it, once and unchanged. */
public final class Assembler {
  private Assembler() {}

  /**
   * Joins chunk files (ChunkEncoder outputs, in order) into {@code output} (container from its extension: mp4, mov,
   * mkv...), copying every audio stream of the source unchanged (packet bytes and timestamps), interleaved. Writes
   * to a temp file beside output then renames atomically.
   *
   * @throws MediaException when a chunk is unreadable or inconsistent, or the frame count differs from the source's
   */
  public static AssemblyResult assemble(MediaInfo source, List<Path> chunkFiles, Path output) {
    return assemble(source, chunkFiles, output, true);
  }

  /**
   * As {@link #assemble(MediaInfo, List, Path)}; without {@code overwrite}, an {@code output} that exists when the
   * file is finished is left alone and the assembly fails.
   */
  public static AssemblyResult assemble(MediaInfo source, List<Path> chunkFiles, Path output, boolean overwrite) {
    if (chunkFiles.isEmpty()) {
      throw new IllegalArgumentException("no chunks to assemble into " + output);
    }
    String name = output.getFileName().toString();
    AVOutputFormat format = av_guess_format(null, name, null);
    if (format == null || format.isNull()) {
      throw new MediaException(output, "no container known for this file name's extension");
    }
    Path temp = output.resolveSibling("." + name + "." + ProcessHandle.current().pid() + "-"
        + System.nanoTime() + ".tmp");
    AVFormatContext out = new AVFormatContext(null);
    ChunkReader video = null;
    AudioReader audio = null;
    boolean ok = false;
    try {
      Ff.check(avformat_alloc_output_context2(out, format, (String) null, Ff.url(temp)), output,
          "cannot create muxer");
      video = new ChunkReader(chunkFiles, source.video(), source.frames());
      AVStream videoOut = avformat_new_stream(out, null);
      copyParameters(videoOut, video.parameters(), output);
      videoOut.time_base(video.sourceTimeBase());
      if (source.video().rotationDegrees() != 0) {
        addDisplayMatrix(videoOut, source, output);
      }
      audio = new AudioReader(source);
      AVStream[] audioOut = new AVStream[audio.streamCount()];
      for (int a = 0; a < audioOut.length; a++) {
        AVStream in = audio.stream(a);
        audioOut[a] = avformat_new_stream(out, null);
        copyParameters(audioOut[a], in.codecpar(), output);
        audioOut[a].time_base(in.time_base());
        audioOut[a].disposition(in.disposition());
        AVDictionary meta = new AVDictionary(null);
        av_dict_copy(meta, in.metadata(), 0);
        audioOut[a].metadata(meta);
      }
      if ((format.flags() & AVFMT_NOFILE) == 0) {
        AVIOContext pb = new AVIOContext(null);
        Ff.check(avio_open(pb, Ff.url(temp), AVIO_FLAG_WRITE), output, "cannot create " + temp.getFileName());
        out.pb(pb);
      }
      Ff.check(avformat_write_header(out, (AVDictionary) null), output, "cannot write header");
      long audioPackets = interleave(out, video, videoOut, audio, audioOut, output);
      Ff.check(av_write_trailer(out), output, "cannot finish file");
      if (video.frames() != source.frames().frameCount()) {
        throw new MediaException(output, "chunks hold " + video.frames() + " video frames, source has "
            + source.frames().frameCount());
      }
      closeOutput(out);
      move(temp, output, overwrite);
      ok = true;
      return new AssemblyResult(output, video.frames(), audioPackets);
    } finally {
      if (video != null) {
        video.close();
      }
      if (audio != null) {
        audio.close();
      }
      closeOutput(out);
      if (!ok) {
        NutWriter.deleteQuietly(temp);
      }
    }
  }

  /** Writes video and audio packets merged by dts, so the muxer's interleaving queue stays short. */
  private static long interleave(AVFormatContext out, ChunkReader video, AVStream videoOut, AudioReader audio,
      AVStream[] audioOut, Path output) {
    AVPacket v = av_packet_alloc();
    AVPacket a = av_packet_alloc();
    long audioPackets = 0;
    try {
      boolean haveVideo = video.next(v);
      boolean haveAudio = audio.next(a);
      while (haveVideo || haveAudio) {
        boolean takeVideo = haveVideo && (!haveAudio || av_compare_ts(decodeTime(v), video.sourceTimeBase(),
            decodeTime(a), audio.stream(a.stream_index()).time_base()) <= 0);
        if (takeVideo) {
          v.duration(frameDuration(video.sourceIndex(), v.pts(), output));
          av_packet_rescale_ts(v, video.sourceTimeBase(), videoOut.time_base());
          v.stream_index(videoOut.index());
          Ff.check(av_interleaved_write_frame(out, v), output, "cannot write video packet");
          haveVideo = video.next(v);
        } else {
          int index = a.stream_index();
          av_packet_rescale_ts(a, audio.stream(index).time_base(), audioOut[index].time_base());
          a.stream_index(audioOut[index].index());
          a.pos(-1);
          Ff.check(av_interleaved_write_frame(out, a), output, "cannot write audio packet");
          audioPackets++;
          haveAudio = audio.next(a);
        }
      }
      return audioPackets;
    } finally {
      av_packet_unref(v);
      av_packet_unref(a);
      av_packet_free(v);
      av_packet_free(a);
    }
  }

  private static long frameDuration(FrameIndex index, long pts, Path output) {
    int i = index.indexOfPts(pts);
    if (i < 0) {
      throw new MediaException(output, "a chunk holds a frame with pts " + pts + ", which the source does not have");
    }
    return index.duration(i);
  }

  private static long decodeTime(AVPacket p) {
    return p.dts() != org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE ? p.dts() : p.pts();
  }

  private static void copyParameters(AVStream st, AVCodecParameters par, Path output) {
    Ff.check(avcodec_parameters_copy(st.codecpar(), par), output, "cannot copy codec parameters");
    st.codecpar().codec_tag(0); // let the output container pick its own tag for the codec
  }

  /** Copies the source's display matrix so players rotate the output as they rotated the input. */
  private static void addDisplayMatrix(AVStream st, MediaInfo source, Path output) {
    AVFormatContext in = Ff.openInput(source.file(), false);
    try {
      AVCodecParameters srcPar = in.streams(source.video().index()).codecpar();
      AVPacketSideData sd = av_packet_side_data_get(srcPar.coded_side_data(), srcPar.nb_coded_side_data(),
          AV_PKT_DATA_DISPLAYMATRIX);
      if (sd == null || sd.isNull()) {
        return;
      }
      AVCodecParameters par = st.codecpar();
      // The C API takes the address of the side-data array field; JavaCPP hands back the new array instead.
      AVPacketSideData array = par.coded_side_data();
      if (array == null) {
        array = new AVPacketSideData((org.bytedeco.javacpp.Pointer) null);
      }
      IntPointer count = new IntPointer(1).put(par.nb_coded_side_data());
      AVPacketSideData added = av_packet_side_data_new(array, count, AV_PKT_DATA_DISPLAYMATRIX, sd.size(), 0);
      if (added == null || added.isNull()) {
        throw new MediaException(output, "cannot add display matrix");
      }
      par.coded_side_data(array);
      par.nb_coded_side_data(count.get());
      org.bytedeco.javacpp.Pointer.memcpy(added.data(), sd.data(), sd.size());
      count.close();
    } finally {
      avformat_close_input(in);
    }
  }

  private static void closeOutput(AVFormatContext out) {
    if (out.isNull()) {
      return;
    }
    if (out.pb() != null && !out.pb().isNull() && (out.oformat().flags() & AVFMT_NOFILE) == 0) {
      avio_closep(out.pb());
    }
    avformat_free_context(out);
    out.setNull();
  }

  private static void move(Path temp, Path output, boolean overwrite) {
    try {
      if (overwrite) {
        Files.move(temp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        // A hard link fails atomically when the name exists (rename would replace it); the temp name then goes.
        Files.createLink(output, temp);
        Files.delete(temp);
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new MediaException(output, "already exists, and the job did not ask to overwrite it");
    } catch (IOException e) {
      throw new MediaException(output, "cannot rename " + temp.getFileName() + " into place: " + e, e);
    }
  }
}

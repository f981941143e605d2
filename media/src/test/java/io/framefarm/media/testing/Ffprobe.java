package io.framefarm.media.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Facts about a file's video as the ffprobe command sees them. */
public final class Ffprobe {
  private Ffprobe() {}

  /** A decoded video frame: whether it is a keyframe, its picture type (I, P, B) and pts in stream units. */
  public record Frame(boolean keyframe, String pictType, long pts) {}

  /** A video packet in decode (file) order. */
  public record Packet(long pts, long dts, boolean keyframe) {}

  /** Every decoded frame of the first video stream, in output order. */
  public static List<Frame> frames(Path file) {
    String out = Ffmpeg.ffprobe(List.of("-select_streams", "v:0", "-show_entries", "frame=key_frame,pict_type,pts",
        "-of", "csv=p=0:nk=0", file.toString()));
    List<Frame> frames = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      boolean key = false;
      String type = "?";
      long pts = Long.MIN_VALUE;
      for (String field : line.split(",")) {
        String[] kv = field.split("=", 2);
        if (kv.length < 2) {
          continue; // side data markers
        }
        switch (kv[0]) {
          case "key_frame" -> key = "1".equals(kv[1]);
          case "pict_type" -> type = kv[1];
          case "pts" -> pts = "N/A".equals(kv[1]) ? Long.MIN_VALUE : Long.parseLong(kv[1]);
          default -> { }
        }
      }
      frames.add(new Frame(key, type, pts));
    }
    return frames;
  }

  /** Every packet of the first video stream in file order. */
  public static List<Packet> packets(Path file) {
    String out = Ffmpeg.ffprobe(List.of("-select_streams", "v:0", "-show_entries", "packet=pts,dts,flags",
        "-of", "csv=p=0:nk=1", file.toString()));
    List<Packet> packets = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",");
      packets.add(new Packet(parse(f[0]), parse(f[1]), f[2].startsWith("K")));
    }
    return packets;
  }

  /** NAL unit types of the first video packet (5 = IDR slice), read with the trace_headers bitstream filter. */
  public static List<Integer> firstPacketNalTypes(Path file) {
    String log = Ffmpeg.runCapturing(List.of("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info",
        "-i", file.toString(), "-map", "0:v:0", "-frames:v", "1", "-c", "copy", "-bsf:v", "trace_headers",
        "-f", "null", "-"))[1];
    List<Integer> types = new ArrayList<>();
    for (String line : log.split("\n")) {
      // "[trace_headers @ 0x...] 3           nal_unit_type             00101 = 5"
      int at = line.indexOf("nal_unit_type");
      if (at >= 0 && line.contains("=")) {
        types.add(Integer.parseInt(line.substring(line.lastIndexOf('=') + 1).trim()));
      }
    }
    return types;
  }

  /** A stream's {@code key} entry (e.g. {@code nb_read_packets}) for the first video stream. */
  public static String videoStreamEntry(Path file, String key) {
    return Ffmpeg.ffprobe(List.of("-select_streams", "v:0", "-show_entries", "stream=" + key,
        "-of", "csv=p=0", file.toString())).trim();
  }

  private static long parse(String v) {
    return "N/A".equals(v) ? Long.MIN_VALUE : Long.parseLong(v);
  }
}

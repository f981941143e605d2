package io.framefarm.media.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Content hashes computed by the ffmpeg command ({@code framemd5}), independently of the media module's FFmpeg:
 * per decoded video frame (the md5 of its tightly packed planes, as a {@code VideoFrame} holds them) and per audio
 * packet (the md5 of its compressed bytes).
 */
public final class FrameHashes {
  private FrameHashes() {}

  /** One audio packet as the ffmpeg command reads it; {@code stream} counts audio streams only, from 0. */
  public record AudioPacket(int stream, double ptsSeconds, double durationSeconds, int size, String md5) {}

  /** md5 of every decoded frame of the first video stream, in presentation order, no frame dropped or repeated. */
  public static List<String> video(Path file) {
    return videoFiltered(file, null);
  }

  /**
   * Like {@link #video} after an ffmpeg {@code -vf} filter, e.g. {@code lutyuv=y=255-val:u=255-val:v=255-val} to get
   * what an {@code invert} pipeline should produce. A null filter hashes the frames as decoded.
   */
  public static List<String> videoFiltered(Path file, String filter) {
    List<String> args = new ArrayList<>(List.of("-i", file.toString(), "-map", "0:v:0"));
    if (filter != null) {
      args.addAll(List.of("-vf", filter));
    }
    args.addAll(List.of("-fps_mode", "passthrough", "-f", "framemd5", "-"));
    List<String> hashes = new ArrayList<>();
    for (String[] fields : lines(Ffmpeg.ffmpeg(args))) {
      hashes.add(fields[5]);
    }
    return hashes;
  }

  /** md5 of every audio packet (stream copy, no decoding), all packets of audio stream 0 first, then stream 1... */
  public static List<String> audioPackets(Path file) {
    return audioPacketDetails(file).stream().map(p -> p.stream() + ":" + p.md5()).toList();
  }

  /** Every audio packet with its timestamps in seconds, grouped by stream like {@link #audioPackets}. */
  public static List<AudioPacket> audioPacketDetails(Path file) {
    if (Ffmpeg.ffprobe(List.of("-select_streams", "a", "-show_entries", "stream=index", "-of", "csv=p=0",
        file.toString())).isBlank()) {
      return List.of(); // else "-map 0:a?" maps nothing and ffmpeg falls back to copying the video
    }
    String out = Ffmpeg.ffmpeg(List.of("-i", file.toString(), "-map", "0:a?", "-c", "copy", "-f", "framemd5", "-"));
    Map<Integer, double[]> timeBases = new HashMap<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("#tb ")) { // "#tb 0: 1/44100"
        String[] parts = line.substring(4).split(":\\s*");
        String[] fraction = parts[1].trim().split("/");
        timeBases.put(Integer.parseInt(parts[0].trim()),
            new double[] {Double.parseDouble(fraction[0]), Double.parseDouble(fraction[1])});
      }
    }
    List<AudioPacket> packets = new ArrayList<>();
    for (String[] f : lines(out)) {
      int stream = Integer.parseInt(f[0]);
      double[] tb = timeBases.get(stream);
      double unit = tb[0] / tb[1];
      packets.add(new AudioPacket(stream, Long.parseLong(f[2]) * unit, Long.parseLong(f[3]) * unit,
          Integer.parseInt(f[4]), f[5]));
    }
    packets.sort(Comparator.comparingInt(AudioPacket::stream)); // stable: keeps each stream's packet order
    return packets;
  }

  /** framemd5 data lines split into trimmed fields: stream, dts, pts, duration, size, hash[, side data...]. */
  private static List<String[]> lines(String framemd5) {
    List<String[]> rows = new ArrayList<>();
    for (String line : framemd5.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split(",");
      for (int i = 0; i < fields.length; i++) {
        fields[i] = fields[i].trim();
      }
      rows.add(fields);
    }
    return rows;
  }
}

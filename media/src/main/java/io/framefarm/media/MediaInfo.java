package io.framefarm.media;

import java.nio.file.Path;
import java.util.List;

/** What {@link Probe} learned about a file: its container, streams and frame index. */
public record MediaInfo(Path file, String container, double durationSeconds, VideoStreamInfo video,
    List<AudioStreamInfo> audio, FrameIndex frames) {

  public MediaInfo {
    audio = List.copyOf(audio);
  }
}

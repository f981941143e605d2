package io.framefarm.media.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test inputs made with the ffmpeg command from lavfi {@code testsrc2} (moving picture, a frame counter) and
 * {@code sine}. Each method writes into {@code dir} under a name that encodes its parameters and reuses an existing
 * file, so tests can share {@link #cacheDir()}. Small sizes keep {@code mvn verify} fast on two cores.
 */
public final class TestVideos {
  private TestVideos() {}

  /** {@code target/test-videos} of the module under test: generated once per build, shared by test classes. */
  public static Path cacheDir() {
    Path dir = Path.of("target", "test-videos").toAbsolutePath();
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** 1280x720, 30 fps H.264 (x264 defaults: B-frames, keyint 250) + mono 48 kHz AAC, {@code seconds} long. */
  public static Path h264Aac(Path dir, int seconds) {
    return h264Aac(dir, 1280, 720, 30, seconds);
  }

  /** H.264 yuv420p + AAC mp4 of the given size, rate and length. */
  public static Path h264Aac(Path dir, int width, int height, int fps, int seconds) {
    String name = "h264-aac-" + width + "x" + height + "-" + fps + "fps-" + seconds + "s.mp4";
    return generate(dir, name, List.of(
        "-f", "lavfi", "-i", "testsrc2=size=" + width + "x" + height + ":rate=" + fps + ":duration=" + seconds,
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + seconds,
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k", "-shortest"));
  }

  /** 320x240, 30 fps, 3 s H.264 + AAC: the cheap everyday input. */
  public static Path small(Path dir) {
    return h264Aac(dir, 320, 240, 30, 3);
  }

  /**
   * 320x240, 30 fps, 4 s, with B-frames and open GOPs: keyframes every 48 frames are recovery-point I frames (not
   * IDR) whose leading B-frames come after them in decode order and reference the previous GOP. Fixed B-frame
   * placement makes sure those leading B-frames exist.
   */
  public static Path openGop(Path dir) {
    return generate(dir, "open-gop-320x240-4s.mp4", List.of(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=4",
        "-c:v", "libx264", "-preset", "veryfast", "-bf", "3",
        "-x264-params", "open-gop=1:keyint=48:min-keyint=48:b-adapt=0:scenecut=0", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest"));
  }

  /**
   * 320x240 Matroska (1 ms time base), about 4 s, whose frame interval grows steadily from 33 to 53 ms (about 20
   * distinct intervals), with AAC. The encoder time base is set to 1 ms, else ffmpeg rounds pts to 1/30 s.
   */
  public static Path variableFrameRate(Path dir) {
    return generate(dir, "vfr-320x240-4s.mkv", List.of(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4",
        "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=4",
        "-vf", "settb=1/1000,setpts='(N+0.3*N*N/120)/30/TB'", "-fps_mode", "passthrough",
        "-enc_time_base:v", "1/1000", "-c:v", "libx264", "-preset", "veryfast", "-x264-params", "keyint=50",
        "-c:a", "aac", "-shortest"));
  }

  /** 320x240, 25 fps, 2 s H.264 without any audio stream. */
  public static Path noAudio(Path dir) {
    return generate(dir, "no-audio-320x240-2s.mp4", List.of(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"));
  }

  /** 853x479 (odd both ways), 25 fps, 2 s H.264 in yuv444p, since 4:2:0 cannot hold odd sizes; with AAC. */
  public static Path oddSize(Path dir) {
    return generate(dir, "odd-853x479-yuv444p-2s.mp4", List.of(
        "-f", "lavfi", "-i", "testsrc2=size=854x480:rate=25:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=550:sample_rate=48000:duration=2",
        "-vf", "scale=853:479", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv444p",
        "-c:a", "aac", "-shortest"));
  }

  /**
   * {@link #small} with a display matrix telling players to rotate it 90 degrees clockwise. (ffmpeg 5.1's stream-copy
   * {@code rotate} tag is the counterclockwise angle, hence 270.)
   */
  public static Path rotated90(Path dir) {
    Path source = small(dir);
    return generate(dir, "rotated-90cw-320x240-3s.mp4", List.of(
        "-i", source.toString(), "-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=270"));
  }

  /** 320x240, 2 s H.264 with two AAC streams (different tones and rates), to check every audio stream is kept. */
  public static Path twoAudioStreams(Path dir) {
    return generate(dir, "two-audio-320x240-2s.mp4", List.of(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=44100:duration=2",
        "-map", "0", "-map", "1", "-map", "2",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"));
  }

  // ---- bad inputs ----

  public static Path textFile(Path dir) {
    return write(dir, "not-a-video.txt", "This is a text file, not a video.\n".getBytes());
  }

  /** 64 KiB of seeded random bytes named like a video. */
  public static Path randomBytes(Path dir) {
    byte[] bytes = new byte[64 * 1024];
    new Random(42).nextBytes(bytes);
    return write(dir, "random-bytes.mp4", bytes);
  }

  /** An AAC-only m4a: a valid media file without a video stream. */
  public static Path audioOnly(Path dir) {
    return generate(dir, "audio-only-2s.m4a", List.of(
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2", "-c:a", "aac"));
  }

  /** {@link #small} cut in half: its moov atom (at the end) is gone. */
  public static Path truncatedMp4(Path dir) {
    return truncated(dir, small(dir), "truncated-no-moov.mp4", 0.5);
  }

  /** A faststart mp4 (moov first) cut in half: the index is intact but later frames' bytes are missing. */
  public static Path truncatedFaststartMp4(Path dir) {
    Path whole = generate(dir, "faststart-320x240-3s.mp4", List.of(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart"));
    return truncated(dir, whole, "truncated-faststart.mp4", 0.5);
  }

  /** An AVI with an MPEG-4 video stream that has no frames (ffmpeg 5.1 drops empty H.264 tracks from mp4/mkv). */
  public static Path zeroFrames(Path dir) {
    return generate(dir, "zero-frames.avi", List.of(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=1", "-vf", "select=0",
        "-c:v", "mpeg4"));
  }

  // ---- helpers ----

  /** Runs {@code ffmpeg <args> <dir/name>} unless that file exists; writes beside it and renames, so runs can share. */
  public static Path generate(Path dir, String name, List<String> args) {
    Path target = dir.resolve(name);
    if (Files.exists(target)) {
      return target;
    }
    String extension = name.substring(name.lastIndexOf('.'));
    Path temp = dir.resolve(".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + extension);
    List<String> command = new ArrayList<>(args);
    command.add("-y");
    command.add(temp.toString());
    try {
      Files.createDirectories(dir);
      Ffmpeg.ffmpeg(command);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // only a leftover temp file
      }
    }
  }

  private static Path truncated(Path dir, Path whole, String name, double fraction) {
    try {
      byte[] bytes = Files.readAllBytes(whole);
      return write(dir, name, java.util.Arrays.copyOf(bytes, (int) (bytes.length * fraction)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path write(Path dir, String name, byte[] bytes) {
    try {
      Files.createDirectories(dir);
      Path target = dir.resolve(name);
      Path temp = dir.resolve(".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
      Files.write(temp, bytes);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farm demo} on a machine with nothing but a JDK: in a mount namespace of its own, the ffmpeg and
 * ffprobe commands, libpulse (which the bundled libavdevice links) and every font are hidden, and the demo
 * still generates its captioned sample, processes it and writes the output.
 */
class FreshMachineProcessTest {
  /** Hides what a bare machine lacks, checks it is gone, then runs the rest of the command line. */
  private static final String HIDE = String.join("\n",
      "set -e",
      "for f in /usr/bin/ffmpeg /usr/bin/ffprobe $(ldconfig -p | awk '/libpulse\\.so\\.0/{print $NF}'); do",
      "  if [ -e \"$f\" ]; then mount --bind /dev/null \"$(readlink -f \"$f\")\"; fi",
      "done",
      "for d in /usr/share/fonts /etc/fonts /var/cache/fontconfig; do",
      "  if [ -d \"$d\" ]; then mount -t tmpfs none \"$d\"; fi",
      "done",
      "! ffmpeg -version >/dev/null 2>&1 || { echo 'ffmpeg still runs' >&2; exit 9; }",
      "exec \"$@\"");

  @TempDir
  Path work;

  @Test
  void theDemoRunsWithoutFfmpegLibpulseOrFonts() throws Exception {
    assertThat(canUnshare()).as("this test needs root and unshare -m to hide ffmpeg, libpulse and fonts (CI runs as "
        + "root)").isTrue();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path home = Path.of("..").toAbsolutePath().normalize();
    Path dir = work.resolve("demo");
    ProcessBuilder builder = new ProcessBuilder(List.of("unshare", "-m", "bash", "-c", HIDE, "hide",
        java.toString(), "-Xmx1g", "-Dframefarm.home=" + home, "io.framefarm.cli.Farm", "demo", "--dir",
        dir.toString(), "--seconds", "2", "--chunk-frames", "30", "--pipeline", "invert"));
    builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("MALLOC_ARENA_MAX", "2");
    Path log = work.resolve("demo.log");
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process demo = builder.start();
    boolean ended = demo.waitFor(5, TimeUnit.MINUTES);
    if (!ended) {
      demo.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(ended).as(output).isTrue();
    assertThat(demo.exitValue()).as(output).isZero();
    assertThat(output).contains("Output: ").contains("block font");
    Path result = dir.resolve("sample-invert.mp4");
    assertThat(Probe.probe(result).frames().frameCount()).isEqualTo(60);
  }

  private static boolean canUnshare() throws Exception {
    try {
      Process p = new ProcessBuilder("unshare", "-m", "true").redirectErrorStream(true).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}

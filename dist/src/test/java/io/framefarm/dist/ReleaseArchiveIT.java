package io.framefarm.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.Probe;
import io.framefarm.media.SampleVideo;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as a user gets it: unpacked in a folder outside the repository, run with a PATH that has
 * no Maven (a JDK through JAVA_HOME, bash and a few coreutils): {@code bin/farm up} starts, and {@code bin/farm
 * submit --wait} runs a job through it to the end.
 */
class ReleaseArchiveIT {
  private static final String VERSION_DIR = "framefarm-0.1.0-SNAPSHOT";

  @TempDir
  Path work;

  @Test
  void theUnpackedArchiveRunsFarmUpAndCompletesAJobWithoutMavenOrTheSource() throws Exception {
    Path archive = Path.of(System.getProperty("framefarm.archive"));
    assertThat(archive).exists();
    Path unpacked = work.resolve("opt");
    Files.createDirectories(unpacked);
    run(work, List.of("tar", "-xzf", archive.toString(), "-C", unpacked.toString()), Duration.ofMinutes(2));
    Path home = unpacked.resolve(VERSION_DIR);
    assertThat(home.resolve("bin/farm")).isExecutable();
    assertThat(home.resolve("pipelines/redact-text.json")).exists();
    assertThat(home.resolve("pom.xml")).doesNotExist();
    try (var jars = Files.list(home.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("cli-"))
          .anyMatch(n -> n.startsWith("onnxruntime-"));
    }

    Path input = SampleVideo.generate(work.resolve("in.mp4"), 2, 320, 240, 30);
    Path output = work.resolve("out.mp4");
    int httpPort = freePort();
    Process up = farm(home, work.resolve("up.log"), "up", "--cpu-slots", "1", "--http-port",
        String.valueOf(httpPort), "--data-dir", work.resolve("data").toString(), "--allowed-root", work.toString());
    try {
      Awaitility.await("farm up from the archive").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .until(() -> !up.isAlive() || Files.readString(work.resolve("up.log")).contains("Framefarm is up"));
      assertThat(up.isAlive()).as(Files.readString(work.resolve("up.log"))).isTrue();

      Process submit = farm(home, work.resolve("submit.log"), "submit", input.toString(), "-o", output.toString(),
          "--pipeline", "invert", "--chunk-frames", "30", "--wait", "--coordinator", "http://127.0.0.1:" + httpPort);
      assertThat(submit.waitFor(3, TimeUnit.MINUTES)).isTrue();
      String log = Files.readString(work.resolve("submit.log"));
      assertThat(submit.exitValue()).as(log).isZero();
      assertThat(log).contains("completed: 60 frames");
      assertThat(Probe.probe(output).frames().frameCount()).isEqualTo(60);
    } finally {
      up.destroy();
      if (!up.waitFor(30, TimeUnit.SECONDS)) {
        up.destroyForcibly();
      }
    }
  }

  /** {@code bin/farm ARGS} of the unpacked release, from a folder outside the repository, with no Maven reachable. */
  private Process farm(Path home, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(home.resolve("bin/farm").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
    builder.environment().clear();
    builder.environment().put("PATH", toolsWithoutMaven().toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("HOME", work.toString());
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    return builder.start();
  }

  /** A folder with bash and the few commands bin/farm uses, to serve as the whole PATH. */
  private Path toolsWithoutMaven() throws IOException {
    Path tools = work.resolve("path");
    if (Files.isDirectory(tools)) {
      return tools;
    }
    Files.createDirectories(tools);
    for (String tool : List.of("bash", "env", "dirname")) {
      for (String dir : List.of("/usr/bin", "/bin")) {
        Path found = Path.of(dir, tool);
        if (Files.isExecutable(found)) {
          Files.createSymbolicLink(tools.resolve(tool), found);
          break;
        }
      }
    }
    assertThat(tools.resolve("mvn")).doesNotExist();
    return tools;
  }

  private static void run(Path dir, List<String> command, Duration limit) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
    assertThat(p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

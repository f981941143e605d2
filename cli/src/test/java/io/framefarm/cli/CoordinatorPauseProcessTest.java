package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator process is paused (SIGSTOP) for 30 s in the middle of a job and then resumed
 * (SIGCONT). The worker, cut off from every coordinator, downs itself and joins again on its own; the
 * coordinator stays up, downs the worker's old incarnation, and the job completes frame-exact.
 */
class CoordinatorPauseProcessTest {
  private static final List<String> FAST_SBR = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=4s");
  private static final Duration PAUSE = Duration.ofSeconds(30);

  @TempDir
  Path work;

  @Test
  void aCoordinatorPausedForThirtySecondsStaysUpAndTheJobCompletes() throws Exception {
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 20);
    Path output = work.resolve("out.mp4");
    int clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    Path workerLog = work.resolve("worker.log");
    try (FarmProcesses farm = new FarmProcesses()) {
      Process coordinator = farm.start(work.resolve("coordinator.log"), FAST_SBR, "coordinator", "--allowed-root",
          work.toString(), "--allowed-root", TestVideos.cacheDir().toString(), "--port",
          String.valueOf(clusterPort), "--http-port", String.valueOf(httpPort), "--data-dir",
          work.resolve("coordinator").toString());
      FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
      Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> coordinator.isAlive() && client.nodes() != null);
      farm.start(workerLog, FAST_SBR, "worker", "--seed-nodes", "127.0.0.1:" + clusterPort, "--port", "0",
          "--cpu-slots", "1", "--data-dir", work.resolve("worker").toString());
      TestFarms.awaitDevices(client, 1);

      String id = client.submit(TestFarms.job(input, output, "identity", 15, true));
      Awaitility.await("2 chunks done").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
          .until(() -> client.job(id), j -> j.path("chunksDone").asInt() >= 2);
      signal("STOP", coordinator);
      long stoppedAt = System.nanoTime();
      try {
        // The worker's resolver downs the worker itself (no coordinator on its side); its shutdown then waits
        // on the paused peer's connections, so "joining again" may come only after the pause.
        Awaitility.await("the worker's resolver to act").atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(250))
            .until(() -> Files.readString(workerLog).contains("SBR took decision"));
        // The scenario, not a wait for something: the coordinator stays paused for at least 30 s.
        Thread.sleep(Math.max(0, PAUSE.toMillis() - (System.nanoTime() - stoppedAt) / 1_000_000));
      } finally {
        signal("CONT", coordinator);
      }

      JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(5));
      assertThat(coordinator.isAlive()).isTrue();
      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(input));
    }
  }

  private static void signal(String signal, Process process) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -%s", signal).isZero();
  }
}

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farm up --cpu-slots 32} as its own JVM process, as a user starts it: forty chunks on a node
 * with many more slots than cores. Every slot's chunk thread blocks on asks to its memory manager;
 * with all of them on one shared pool, the managers starved and the asks timed out. Not timed: the
 * wall time is bench/'s business (docs/BENCHMARKS.md).
 */
class ManySlotsProcessTest {
  private static final int SLOTS = 32;

  @TempDir
  Path work;

  private final FarmProcesses processes = new FarmProcesses();
  private Process farm;

  @AfterEach
  void stopFarm() throws InterruptedException {
    processes.close(); // SIGTERM (the shutdown hook stops the actor system), SIGKILL if it hangs
  }

  @Test
  void thirtyTwoSlotsProcessFortyChunksFrameExactWithoutAskTimeouts() throws Exception {
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 20);
    Path output = work.resolve("out.mp4");
    Path log = work.resolve("farm.log");
    int httpPort = FarmProcesses.freePort();
    farm = processes.start(log, List.of("-Xmx1g"), "up", "--allowed-root", work.toString(), "--allowed-root",
        TestVideos.cacheDir().toString(), "--cpu-slots",
        String.valueOf(SLOTS), "--http-port",
        String.valueOf(httpPort), "--port", "0", "--data-dir", work.resolve("farm").toString());
    FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
    Awaitility.await("the farm's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
        .ignoreExceptions().until(() -> farm.isAlive() && client.nodes() != null);
    TestFarms.awaitDevices(client, SLOTS);

    String id = client.submit(TestFarms.job(input, output, "identity", 15, true));
    JsonNode job = TestFarms.awaitFinished(client, id, Duration.ofMinutes(10));

    String farmLog = Files.readString(log);
    assertThat(job.path("state").asText()).as("%s%nlog:%n%s", job, farmLog).isEqualTo("COMPLETED");
    assertThat(job.path("chunks").asInt()).isEqualTo(40);
    assertThat(job.path("totalFrames").asInt()).isEqualTo(600);
    List<String> expected = FrameHashes.video(input);
    assertThat(FrameHashes.video(output)).as("decoded frames of the output").hasSize(600).isEqualTo(expected);
    assertThat(job.path("attemptFailures")).as("failed attempts").isEmpty();
    assertThat(farmLog).as("the node's log").contains("Worker node started " + SLOTS + " slot(s)")
        .doesNotContain("Ask timed out").doesNotContain("did not answer");
  }
}

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
 * A coordinator and two workers as separate processes; both workers are killed with SIGKILL in the
 * middle of a job. The split brain resolver counts only coordinator-role nodes, so the lone
 * coordinator is the majority: it downs the workers and keeps serving (before, keep-majority over
 * all nodes made it down itself and exit). A new worker then joins and the job completes frame-exact.
 * The resolver's stable-after is shortened to keep the test short; the decision is the same.
 */
class LoneCoordinatorProcessTest {
  private static final List<String> FAST_SBR = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=4s");

  @TempDir
  Path work;

  @Test
  void theCoordinatorOutlivesItsWorkersAndANewWorkerFinishesTheJob() throws Exception {
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 20);
    Path output = work.resolve("out.mp4");
    int clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    Path coordinatorLog = work.resolve("coordinator.log");
    try (FarmProcesses farm = new FarmProcesses()) {
      Process coordinator = farm.start(coordinatorLog, FAST_SBR, "coordinator", "--allowed-root", work.toString(),
          "--allowed-root", TestVideos.cacheDir().toString(),
          "--port", String.valueOf(clusterPort),
          "--http-port", String.valueOf(httpPort), "--data-dir", work.resolve("coordinator").toString());
      FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
      Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> coordinator.isAlive() && client.nodes() != null);
      Process first = worker(farm, clusterPort, "w1");
      Process second = worker(farm, clusterPort, "w2");
      TestFarms.awaitDevices(client, 2);

      String id = client.submit(TestFarms.job(input, output, "identity", 15, true));
      JsonNode running = Awaitility.await("2 chunks done").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(50)).until(() -> client.job(id), j -> j.path("chunksDone").asInt() >= 2);
      assertThat(running.path("state").asText()).isEqualTo("RUNNING");
      FarmProcesses.kill(first);
      FarmProcesses.kill(second);

      Awaitility.await("the resolver's decision").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
          .until(() -> Files.readString(coordinatorLog).contains("SBR took decision"));
      String log = Files.readString(coordinatorLog);
      assertThat(log).as("the coordinator downs the unreachable workers, not itself")
          .contains("DownUnreachable").doesNotContain("including myself");
      assertThat(coordinator.isAlive()).isTrue();
      assertThat(client.job(id).path("state").asText()).as("still answering").isIn("QUEUED", "RUNNING");

      worker(farm, clusterPort, "w3");
      JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(5));
      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(input));
    }
  }

  private Process worker(FarmProcesses farm, int clusterPort, String name) throws Exception {
    return farm.start(work.resolve(name + ".log"), FAST_SBR, "worker", "--seed-nodes", "127.0.0.1:" + clusterPort,
        "--port", "0", "--cpu-slots", "1", "--data-dir", work.resolve(name).toString());
  }
}

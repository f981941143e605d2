package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker holding a job's only chunk is killed with SIGKILL three times, more than the three
 * attempts a chunk may fail: a lost worker is not a failed attempt, so the fourth worker completes
 * the job, and its status lists the three losses apart from failures.
 */
class WorkerCrashProcessTest {
  private static final List<String> FAST_SBR = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=4s");
  private static final int CRASHES = 3;

  @TempDir
  Path work;

  @Test
  void threeWorkerCrashesOnOneChunkDoNotFailTheJob() throws Exception {
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 20);
    Path output = work.resolve("out.mp4");
    int clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    try (FarmProcesses farm = new FarmProcesses()) {
      Process coordinator = farm.start(work.resolve("coordinator.log"), FAST_SBR, "coordinator", "--allowed-root",
          work.toString(), "--allowed-root", TestVideos.cacheDir().toString(), "--port",
          String.valueOf(clusterPort), "--http-port", String.valueOf(httpPort), "--data-dir",
          work.resolve("coordinator").toString());
      FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
      Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> coordinator.isAlive() && client.nodes() != null);

      Process worker = worker(farm, clusterPort, 0);
      String id = client.submit(TestFarms.job(input, output, "identity", 1000, true)); // one chunk of 600 frames
      for (int crash = 1; crash <= CRASHES; crash++) {
        int lostSoFar = crash - 1;
        Awaitility.await("the chunk under way on worker " + crash).atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> client.job(id), j -> j.path("framesDone").asInt() > 0 && j.path("lostLeases")
                .size() == lostSoFar);
        FarmProcesses.kill(worker);
        Awaitility.await("the lease lost with worker " + crash).atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(100)).until(() -> client.job(id).path("lostLeases").size() > lostSoFar);
        worker = worker(farm, clusterPort, crash);
      }

      JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(5));
      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(done.path("lostLeases")).hasSize(CRASHES);
      assertThat(done.path("attemptFailures")).as("no attempt failed").isEmpty();
      assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(input));
    }
  }

  private Process worker(FarmProcesses farm, int clusterPort, int n) throws Exception {
    return farm.start(work.resolve("worker-" + n + ".log"), FAST_SBR, "worker", "--seed-nodes",
        "127.0.0.1:" + clusterPort, "--port", "0", "--cpu-slots", "1", "--data-dir", work.resolve("worker-" + n)
            .toString());
  }
}

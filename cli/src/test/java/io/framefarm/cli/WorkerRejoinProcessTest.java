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
 * The coordinator is killed with SIGKILL in the middle of a job and started again on the same port
 * and data dir. The worker process, never restarted, finds itself cut off from every coordinator,
 * downs itself, and joins again on its own through its seed node; the job then completes frame-exact
 * from the journal, without the chunks stored before the kill being done again.
 */
class WorkerRejoinProcessTest {
  private static final List<String> FAST_SBR = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=4s");

  @TempDir
  Path work;

  @Test
  void aWorkerRejoinsARestartedCoordinatorOnItsOwn() throws Exception {
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 20);
    Path output = work.resolve("out.mp4");
    int clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    Path workerLog = work.resolve("worker.log");
    try (FarmProcesses farm = new FarmProcesses()) {
      Process coordinator = coordinator(farm, clusterPort, httpPort, "coordinator-1.log");
      FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
      awaitApi(coordinator, client);
      Process worker = farm.start(workerLog, FAST_SBR, "worker", "--seed-nodes", "127.0.0.1:" + clusterPort,
          "--port", "0", "--cpu-slots", "1", "--data-dir", work.resolve("worker").toString());
      TestFarms.awaitDevices(client, 1);

      String id = client.submit(TestFarms.job(input, output, "identity", 15, true));
      JsonNode before = Awaitility.await("2 chunks done").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(50)).until(() -> client.job(id), j -> j.path("chunksDone").asInt() >= 2);
      FarmProcesses.kill(coordinator);
      String firstIncarnation = before.path("chunkWorkers").get(0).asText();
      Awaitility.await("the worker to leave the cluster").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(250)).until(() -> Files.readString(workerLog).contains("joining again"));

      Process restarted = coordinator(farm, clusterPort, httpPort, "coordinator-2.log");
      awaitApi(restarted, client);
      JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(5));
      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(worker.isAlive()).as("the same worker process did the rest").isTrue();
      assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(input));
      // The worker's rejoined actor system has another address: chunks still credited to the first one were
      // stored before the kill and not done again.
      long keptFromBefore = 0;
      for (JsonNode w : done.path("chunkWorkers")) {
        keptFromBefore += w.asText().equals(firstIncarnation) ? 1 : 0;
      }
      assertThat(keptFromBefore).as("chunks stored before the kill and not recomputed")
          .isGreaterThanOrEqualTo(before.path("chunksDone").asInt());
    }
  }

  private Process coordinator(FarmProcesses farm, int clusterPort, int httpPort, String log) throws Exception {
    return farm.start(work.resolve(log), FAST_SBR, "coordinator", "--allowed-root", work.toString(),
        "--allowed-root", TestVideos.cacheDir().toString(), "--port",
        String.valueOf(clusterPort),
        "--http-port", String.valueOf(httpPort), "--data-dir", work.resolve("coordinator").toString());
  }

  private static void awaitApi(Process coordinator, FarmClient client) {
    Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> coordinator.isAlive() && client.jobs(1, null) != null);
  }
}

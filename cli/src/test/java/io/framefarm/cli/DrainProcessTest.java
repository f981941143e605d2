package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful drain of a worker process: SIGTERM mid-chunk lets the chunk finish, the worker leaves the cluster and
 * exits 0, and nothing runs twice; {@code farm drain} with a drain timeout shorter than the chunk hands it back,
 * and another worker finishes it without a failed or lost attempt. Both jobs come out frame-exact.
 */
class DrainProcessTest {
  @TempDir
  Path work;

  private Path input;
  private int clusterPort;
  private FarmClient client;
  private String url;

  private Process coordinator(FarmProcesses farm) throws Exception {
    // 1800 frames: a chunk takes seconds, so that a drain reliably finds it under way.
    input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 60);
    clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    int managementPort = FarmProcesses.freePort();
    url = "http://127.0.0.1:" + httpPort;
    Process coordinator = farm.start(work.resolve("coordinator.log"), List.of(), "coordinator", "--port",
        String.valueOf(clusterPort), "--http-port", String.valueOf(httpPort), "--management-port",
        String.valueOf(managementPort), "--data-dir",
        work.resolve("coordinator").toString(), "--allowed-root", work.toString(), "--allowed-root",
        TestVideos.cacheDir().toString());
    client = new FarmClient(url);
    Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> coordinator.isAlive() && client.nodes() != null);
    // Pekko Management's health checks, as process supervisors and Kubernetes probes read them.
    Awaitility.await("ready").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> status("http://127.0.0.1:" + managementPort + "/ready") == 200);
    assertThat(status("http://127.0.0.1:" + managementPort + "/alive")).isEqualTo(200);
    // The container image's health check script reads the same.
    ProcessBuilder healthcheck = new ProcessBuilder(Path.of("..", "deploy", "container", "healthcheck.sh")
        .toAbsolutePath().toString()).redirectErrorStream(true);
    healthcheck.environment().put("FARM_MANAGEMENT_PORT", String.valueOf(managementPort));
    Process check = healthcheck.start();
    assertThat(check.waitFor(30, TimeUnit.SECONDS) && check.exitValue() == 0).as("healthcheck.sh").isTrue();
    return coordinator;
  }

  private static int status(String uri) throws Exception {
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(uri)).timeout(Duration.ofSeconds(5))
        .build();
    return java.net.http.HttpClient.newHttpClient().send(request,
        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private Process worker(FarmProcesses farm, String name, int port, String drainTimeout) throws Exception {
    return farm.start(work.resolve(name + ".log"), List.of(), "worker", "--seed-nodes", "127.0.0.1:" + clusterPort,
        "--port", String.valueOf(port), "--cpu-slots", "1", "--drain-timeout", drainTimeout, "--data-dir",
        work.resolve(name).toString());
  }

  /** Waits until the job's first chunk is under way and none is done. */
  private void awaitChunkUnderWay(String id) {
    Awaitility.await("a chunk under way").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
        .until(() -> client.job(id), j -> j.path("framesDone").asInt() > 0 && j.path("chunksDone").asInt() == 0);
  }

  private void assertCompletedFrameExactWithNothingFailedOrLost(String id, Path output) {
    JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(5));
    assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
    assertThat(done.path("attemptFailures")).as("no attempt failed").isEmpty();
    assertThat(done.path("lostLeases")).as("no lease was lost").isEmpty();
    assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(input));
  }

  @Test
  void sigtermMidChunkFinishesTheChunkLeavesTheClusterAndExitsZero() throws Exception {
    Path output = work.resolve("out.mp4");
    try (FarmProcesses farm = new FarmProcesses()) {
      coordinator(farm);
      int portA = FarmProcesses.freePort();
      Process a = worker(farm, "worker-a", portA, "2m");
      String id = client.submit(TestFarms.job(input, output, "identity", 900, true)); // two chunks
      awaitChunkUnderWay(id);

      a.destroy(); // SIGTERM
      assertThat(a.waitFor(2, TimeUnit.MINUTES)).as("the worker exits within its drain timeout").isTrue();
      String logA = Files.readString(work.resolve("worker-a.log"));
      assertThat(a.exitValue()).as(logA).isZero();
      assertThat(logA).contains("Drained: 1 chunk(s) finished, 0 handed back").contains("Worker drained");

      worker(farm, "worker-b", FarmProcesses.freePort(), "2m");
      assertCompletedFrameExactWithNothingFailedOrLost(id, output);
      JsonNode workers = client.job(id).path("chunkWorkers");
      assertThat(workers.get(0).asText()).as("chunk 0 ran once, on the drained worker").contains(":" + portA + "/");
      assertThat(workers.get(1).asText()).doesNotContain(":" + portA + "/");
    }
  }

  @Test
  void farmDrainWithAShortTimeoutHandsTheChunkBackToAnotherWorker() throws Exception {
    Path output = work.resolve("out.mp4");
    try (FarmProcesses farm = new FarmProcesses()) {
      coordinator(farm);
      int portA = FarmProcesses.freePort();
      Process a = worker(farm, "worker-a", portA, "100ms");
      String id = client.submit(TestFarms.job(input, output, "identity", 2000, true)); // one chunk
      awaitChunkUnderWay(id);

      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Farm.run(new PrintWriter(out, true), new PrintWriter(err, true), "drain", "127.0.0.1:" + portA,
          "--coordinator", url);
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains(":" + portA).contains("draining");
      assertThat(a.waitFor(1, TimeUnit.MINUTES)).as("the drained worker stops, and does not join again").isTrue();
      String logA = Files.readString(work.resolve("worker-a.log"));
      assertThat(a.exitValue()).as(logA).isZero();
      assertThat(logA).contains("Drained: 0 chunk(s) finished, 1 handed back");

      worker(farm, "worker-b", FarmProcesses.freePort(), "2m");
      assertCompletedFrameExactWithNothingFailedOrLost(id, output);
      assertThat(client.job(id).path("chunkWorkers").get(0).asText()).doesNotContain(":" + portA + "/");
      assertThat(Files.readString(work.resolve("coordinator.log"))).contains("handed back");

      StringWriter unknown = new StringWriter();
      assertThat(Farm.run(new PrintWriter(new StringWriter(), true), new PrintWriter(unknown, true), "drain",
          "127.0.0.1:1", "--coordinator", url)).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(unknown.toString()).contains("no worker node at 127.0.0.1:1");
    }
  }
}

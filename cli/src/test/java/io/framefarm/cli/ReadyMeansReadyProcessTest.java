package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.TestVideos;
import io.framefarm.worker.onnx.testing.TestModels;
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
 * Ready means ready: a submission to a {@code farm up} that has just opened its API is checked against its
 * worker's real budget (it waits for the first report), and a job that no worker may take any more fails
 * with every reason instead of waiting for ever, saying meanwhile what it waits for.
 */
class ReadyMeansReadyProcessTest {
  private static final long MIB = 1024 * 1024;

  @TempDir
  Path work;

  @Test
  void anImmediateSubmitToAFreshFarmUpIsRefusedWithTheSizes() throws Exception {
    Path input = TestVideos.small(TestVideos.cacheDir());
    int httpPort = FarmProcesses.freePort();
    try (FarmProcesses farm = new FarmProcesses()) {
      Path log = work.resolve("up.log");
      Process up = farm.start(log, List.of(), "up", "--memory-budget", "4MiB", "--cpu-slots", "1", "--http-port",
          String.valueOf(httpPort), "--data-dir", work.resolve("farm").toString(), "--allowed-root", work.toString(),
          "--allowed-root", TestVideos.cacheDir().toString());
      String url = "http://127.0.0.1:" + httpPort;
      FarmClient client = new FarmClient(url);
      // As soon as the API answers, before the worker may have reported.
      Awaitility.await("the API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
          .ignoreExceptions().until(() -> up.isAlive() && client.nodes() != null);

      StringWriter err = new StringWriter();
      int code = Farm.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "submit",
          input.toString(), "-o", work.resolve("text.mp4").toString(), "--pipeline", "extract-text",
          "--coordinator", url);
      assertThat(code).as(err.toString()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(err.toString()).contains("extract-text needs").contains("largest device budget in the cluster is "
          + 4 * MIB + " bytes (4.0 MiB)");

      Awaitility.await("farm up says it is up").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
          .until(() -> Files.readString(log).contains("Framefarm is up"));
      assertThat(client.nodes().path("devices")).as("up: its worker has reported").isNotEmpty();
    }
  }

  @Test
  void aJobThatEveryWorkerIsBlockedFromSaysWhatItWaitsForThenFailsWithEveryReason() throws Exception {
    Path input = TestVideos.small(TestVideos.cacheDir()); // 120 frames: 4 chunks of 30
    Path model = TestModels.weighted(work.resolve("weights.onnx"), MIB);
    Path pipeline = work.resolve("weights.json");
    Files.writeString(pipeline, """
        { "name": "weights",
          "models": [ { "id": "weights", "path": "%s", "role": "primary",
                        "input": { "width": 320, "height": 240 }, "estimatedBytes": %d } ],
          "stages": [ { "type": "frame-model", "model": "weights" } ] }
        """.formatted(model, 8 * MIB));
    int clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    String url = "http://127.0.0.1:" + httpPort;
    try (FarmProcesses farm = new FarmProcesses()) {
      // Many attempts per chunk, so that what ends the job is that both slots are blocked from it (3 failures each).
      Process coordinator = farm.start(work.resolve("coordinator.log"), List.of(
              "-Dframefarm.coordinator.max-attempts=10", "-Dframefarm.coordinator.api.first-report-wait=0s"),
          "coordinator", "--port", String.valueOf(clusterPort), "--http-port", String.valueOf(httpPort), "--data-dir",
          work.resolve("coordinator").toString(), "--allowed-root", work.toString(), "--allowed-root",
          TestVideos.cacheDir().toString());
      FarmClient client = new FarmClient(url);
      Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> coordinator.isAlive() && client.nodes() != null);

      Path submitLog = work.resolve("submit.log");
      Process submit = farm.start(submitLog, List.of(), "submit", input.toString(), "-o",
          work.resolve("out.mp4").toString(), "--pipeline", pipeline.toString(), "--chunk-frames", "30", "--wait",
          "--coordinator", url);
      Awaitility.await("the progress line says why the job waits").atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> Files.readString(submitLog).contains("waiting for a worker"));
      String id = Files.readAllLines(submitLog).get(0).trim();
      assertThat(client.job(id).path("waiting").asText()).startsWith("waiting for a worker");
      StringWriter status = new StringWriter();
      Farm.run(new PrintWriter(status, true), new PrintWriter(new StringWriter(), true), "status", id,
          "--coordinator", url);
      assertThat(status.toString()).contains("waiting for a worker");

      Files.delete(model); // accepted while it was there; now every worker fails to load it
      farm.start(work.resolve("worker.log"), List.of(), "worker", "--seed-nodes", "127.0.0.1:" + clusterPort,
          "--cpu-slots", "2", "--data-dir", work.resolve("worker").toString());

      assertThat(submit.waitFor(3, TimeUnit.MINUTES)).as("farm submit --wait ends").isTrue();
      String output = Files.readString(submitLog);
      assertThat(submit.exitValue()).as(output).isEqualTo(ExitCodes.JOB_FAILED);
      JsonNode job = client.job(id);
      assertThat(job.path("state").asText()).isEqualTo("FAILED");
      assertThat(job.path("failure").asText()).contains("every current worker is blocked")
          .contains("slot-host:0 failed 3 attempts").contains("slot-host:1 failed 3 attempts");
      assertThat(job.path("attemptFailures")).hasSize(6);
      assertThat(output).contains("every current worker is blocked");
      assertThat(output.lines().filter(l -> l.startsWith("  failed: "))).hasSize(6);
    }
  }
}

package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.testing.TestVideos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code farm events} follows a job from submission to completion; {@code farm open} prints the dashboard. */
class EventsCommandTest {
  @TempDir
  Path work;

  @Test
  void farmEventsFollowsAJobAndFarmOpenPrintsTheDashboardAddress() throws Exception {
    try (FarmNode farm = TestFarms.embedded(work.resolve("farm"), 1)) {
      FarmClient client = new FarmClient(farm.apiUrl());
      TestFarms.awaitDevices(client, 1);
      StringWriter human = new StringWriter();
      StringWriter json = new StringWriter();
      // Threads of their own: the common pool may have a single thread on a small machine.
      ExecutorService threads = Executors.newFixedThreadPool(2);
      CompletableFuture<Integer> humanRun = CompletableFuture.supplyAsync(() -> Farm.run(new PrintWriter(human, true),
          new PrintWriter(new StringWriter(), true), "events", "--reports", "--until", "JobCompleted",
          "--coordinator", farm.apiUrl()), threads);
      CompletableFuture<Integer> jsonRun = CompletableFuture.supplyAsync(() -> Farm.run(new PrintWriter(json, true),
          new PrintWriter(new StringWriter(), true), "events", "--json", "--reports", "--until", "JobCompleted",
          "--coordinator", farm.apiUrl()), threads);
      // Memory reports arrive every two seconds: once both show one, both streams are open.
      Awaitility.await("both event streams open").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> human.toString().contains("MemoryReport") && json.toString().contains("MemoryReport"));

      Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 1);
      String id = client.submit(TestFarms.job(input, work.resolve("out.mp4"), "identity", 15, true));
      assertThat(humanRun.get(2, TimeUnit.MINUTES)).isZero();
      assertThat(jsonRun.get(2, TimeUnit.MINUTES)).isZero();
      threads.shutdown();

      assertThat(human.toString()).startsWith(EventsCommand.HEADER)
          .containsPattern("JobSubmitted +" + id + " ")
          .containsPattern("ChunkCompleted +" + id + " chunk 0 ")
          .containsPattern("JobCompleted +" + id + " +completed, 30 frames");
      String last = json.toString().strip().lines().reduce((a, b) -> b).orElseThrow();
      var event = client.json().readTree(last);
      assertThat(event.path("event").asText()).isEqualTo("JobCompleted");
      assertThat(event.path("data").path("jobId").asText()).isEqualTo(id);

      StringWriter open = new StringWriter();
      assertThat(Farm.run(new PrintWriter(open, true), new PrintWriter(new StringWriter(), true), "open",
          "--coordinator", farm.apiUrl())).isZero();
      assertThat(open.toString().strip()).isEqualTo(farm.apiUrl() + "/");
    }
    StringWriter err = new StringWriter();
    assertThat(Farm.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "open",
        "--coordinator", "http://127.0.0.1:" + FarmProcesses.freePort())).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(err.toString()).contains("does not answer");
  }
}

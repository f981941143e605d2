package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.testing.TestVideos;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 201 means the job is on disk: {@code farm up} as its own process is killed with SIGKILL right
 * after it accepted jobs, several times over on one data dir, and every job it accepted is there
 * after the last restart. With the embedded database's delayed write, the last commits were lost.
 */
class DurableAcceptanceProcessTest {
  // 30 accepted jobs in all; the coordinator dies within three quick submissions of each 201.
  private static final int ROUNDS = 10;
  private static final int JOBS_PER_ROUND = 3;

  @TempDir
  Path work;

  private final FarmProcesses processes = new FarmProcesses();
  private Process farm;

  @AfterEach
  void stopFarm() throws InterruptedException {
    processes.close();
  }

  @Test
  void everyAcceptedJobSurvivesAKillRightAfterItsAnswer() throws Exception {
    Path input = TestVideos.small(TestVideos.cacheDir());
    List<String> accepted = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      FarmClient client = start(round);
      for (int i = 0; i < JOBS_PER_ROUND; i++) {
        accepted.add(client.submit(TestFarms.job(input, work.resolve("out-" + round + "-" + i + ".mp4"), "identity",
            5, false)));
      }
      FarmProcesses.kill(farm); // at once after the last 201: no shutdown hook, no flush
      assertThat(farm.isAlive()).isFalse();
    }

    FarmClient client = start(ROUNDS);
    for (String id : accepted) {
      assertThat(client.job(id).path("id").asText()).as("accepted job %s after the restarts", id).isEqualTo(id);
    }
  }

  /** {@code farm up} on the test's data dir as a JVM of its own; returns a client once its API answers. */
  private FarmClient start(int round) throws IOException {
    int httpPort = FarmProcesses.freePort();
    farm = processes.start(work.resolve("farm-" + round + ".log"), List.of(), "up", "--allowed-root",
        work.toString(), "--allowed-root", TestVideos.cacheDir().toString(), "--cpu-slots", "1",
        "--http-port", String.valueOf(httpPort), "--port", "0", "--data-dir", work.resolve("farm").toString());
    FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
    Awaitility.await("the farm's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> farm.isAlive() && client.jobs(1, null) != null);
    return client;
  }
}

package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.coordinator.testing.PostgresServer;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farm up} with its journal on a real PostgreSQL server (started by the test, password from the
 * environment): a job completes frame-exact, and after a kill and a restart on the same database the job is
 * still listed, completed. A journal URL that is malformed or out of reach stops the node with a clear message.
 */
class PostgresJournalProcessTest {
  private static PostgresServer postgres;

  @TempDir
  Path work;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void aJobRunsOnPostgresAndIsStillThereAfterARestart() throws Exception {
    String url = postgres.createDatabase("farm_up");
    Path input = TestVideos.small(TestVideos.cacheDir());
    Path output = work.resolve("out.mp4");
    try (FarmProcesses processes = new FarmProcesses()) {
      int httpPort = FarmProcesses.freePort();
      Process farm = up(processes, url, httpPort, "farm-1.log");
      FarmClient client = awaitApi(farm, httpPort);
      String id = client.submit(TestFarms.job(input, output, "invert", 10, true));
      JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(3));
      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(FrameHashes.video(output))
          .isEqualTo(FrameHashes.videoFiltered(input, "lutyuv=y=255-val:u=255-val:v=255-val"));
      FarmProcesses.kill(farm);

      int againPort = FarmProcesses.freePort();
      Process again = up(processes, url, againPort, "farm-2.log");
      JsonNode listed = awaitApi(again, againPort).jobs(10, null).path("jobs");
      assertThat(listed).hasSize(1);
      assertThat(listed.get(0).path("id").asText()).isEqualTo(id);
      assertThat(listed.get(0).path("state").asText()).isEqualTo("COMPLETED");
      // farm up names its journal once its worker has reported, which may come after the API answers.
      Awaitility.await("farm-2 says it is up").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
          .until(() -> Files.readString(work.resolve("farm-2.log")).contains("Framefarm is up"));
    }
    assertThat(work.resolve("farm").resolve("journal")).as("no embedded database beside PostgreSQL")
        .doesNotExist();
    for (String log : List.of("farm-1.log", "farm-2.log")) {
      assertThat(Files.readString(work.resolve(log))).as(log).contains(url).doesNotContain(postgres.password());
    }
  }

  @Test
  void aJournalThatIsMalformedOrOutOfReachStopsTheNodeWithAClearMessage() throws Exception {
    StringWriter err = new StringWriter();
    int malformed = Farm.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "coordinator",
        "--http-port", "0", "--data-dir", work.resolve("a").toString(), "--journal-url", "postgres://db:5432/farm");
    assertThat(malformed).as(err.toString()).isEqualTo(2);
    assertThat(err.toString()).contains("postgres://db:5432/farm", "is not supported");

    err = new StringWriter();
    String closed = "jdbc:postgresql://127.0.0.1:" + FarmProcesses.freePort() + "/farm";
    int unreachable = Farm.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "coordinator",
        "--http-port", "0", "--data-dir", work.resolve("b").toString(), "--journal-url", closed,
        "--journal-user", "farm", "--journal-password", "not-to-be-printed");
    assertThat(unreachable).as(err.toString()).isEqualTo(3);
    assertThat(err.toString()).contains(closed, "refused").doesNotContain("not-to-be-printed");
  }

  private Process up(FarmProcesses processes, String url, int httpPort, String log) throws IOException {
    return processes.start(work.resolve(log), List.of(), Map.of("FRAMEFARM_JOURNAL_PASSWORD", postgres.password()),
        "up", "--cpu-slots", "1", "--http-port", String.valueOf(httpPort), "--port", "0", "--data-dir",
        work.resolve("farm").toString(), "--journal-url", url, "--journal-user", PostgresServer.USER,
        "--allowed-root", work.toString(), "--allowed-root", TestVideos.cacheDir().toString());
  }

  private static FarmClient awaitApi(Process farm, int httpPort) {
    FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
    Awaitility.await("the farm's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> farm.isAlive() && client.jobs(1, null) != null);
    return client;
  }
}

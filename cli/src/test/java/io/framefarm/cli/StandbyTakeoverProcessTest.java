package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.coordinator.testing.PostgresServer;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coordinators on one PostgreSQL journal and one data dir (the shared chunk store), each a process of its own,
 * with one worker. The active coordinator (the oldest, hosting the job manager) is killed with SIGKILL in the
 * middle of a job; the standby's API answers for the job, which completes frame-exact without the chunks done
 * before the kill being done again. Twice in a row, so that both orders of addresses are covered:
 * <ol>
 *   <li>the killed coordinator has the lower address, the case where {@code keep-majority}'s tie-break downed
 *       the survivor; the worker then leads the survivors, and its resolver gets the lease through the standby;
 *   <li>a third coordinator joins as the new standby, and the killed one has the higher address; the new
 *       standby leads and takes the lease itself, after the dead coordinator's hold (taken for the worker in
 *       round 1) runs out.
 * </ol>
 * The resolver's stable-after and the lease's heartbeat are shortened to keep the test short; the decisions
 * are the same.
 */
class StandbyTakeoverProcessTest {
  private static final List<String> FAST = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=4s",
      "-Dframefarm.downing-lease.heartbeat-timeout=6s", "-Dframefarm.downing-lease.heartbeat-interval=1s");
  private static final String INVERT = "lutyuv=y=255-val:u=255-val:v=255-val";
  private static PostgresServer postgres;

  @TempDir
  Path work;

  private String journalUrl;

  private record Coordinator(Process process, FarmClient client, Path log) {}

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
  void theStandbyTakesOverWhetherTheKilledCoordinatorHadTheLowerOrTheHigherAddress() throws Exception {
    journalUrl = postgres.createDatabase("takeover");
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 10);
    List<String> expected = FrameHashes.videoFiltered(input, INVERT);
    // Cluster addresses differ by port only: first < third < worker < second.
    int[] ports = IntStream.range(0, 4).map(i -> freePort()).sorted().toArray();
    try (FarmProcesses farm = new FarmProcesses()) {
      Coordinator first = coordinator(farm, "first", ports[0], null);
      awaitApi(first);
      Coordinator second = coordinator(farm, "second", ports[3], ports[0]);
      Path workerLog = work.resolve("worker.log");
      Process worker = farm.start(workerLog, FAST, "worker", "--seed-nodes",
          "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[3], "--port", String.valueOf(ports[2]), "--cpu-slots", "1",
          "--data-dir", work.resolve("worker").toString());
      awaitApi(second);
      TestFarms.awaitDevices(first.client(), 1);

      takeOver(first, second, input, expected, "out-1.mp4");
      assertThat(Files.readString(workerLog)).as("the worker led the survivors and asked the standby")
          .contains("Downing lease taken by coordinator pekko://farm@127.0.0.1:" + ports[3]);

      Coordinator third = coordinator(farm, "third", ports[1], ports[3]);
      awaitApi(third);
      takeOver(second, third, input, expected, "out-2.mp4");
      assertThat(Files.readString(third.log())).as("the new standby led the survivors and took the lease itself")
          .contains("Downing lease taken by coordinator pekko://farm@127.0.0.1:" + ports[1]);

      assertThat(worker.isAlive()).isTrue();
      assertThat(Files.readString(workerLog)).as("the worker stayed in the cluster throughout")
          .doesNotContain("joining again");
    }
  }

  /** Runs a job on {@code active}, kills it after a few chunks, and sees the job finish on {@code standby}. */
  private void takeOver(Coordinator active, Coordinator standby, Path input, List<String> expected, String name)
      throws Exception {
    Path output = work.resolve(name);
    String id = active.client().submit(TestFarms.job(input, output, "invert", 15, true));
    JsonNode before = Awaitility.await("3 chunks done").atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> active.client().job(id), j -> j.path("chunksDone").asInt() >= 3);
    FarmProcesses.kill(active.process());
    assertThat(before.path("state").asText()).isEqualTo("RUNNING");
    assertThatThrownBy(() -> active.client().job(id)).as("the killed coordinator's API")
        .isInstanceOf(FarmClient.Unavailable.class);

    Awaitility.await("the standby to answer for " + id).atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
        .until(() -> standby.client().job(id).path("id").asText().equals(id));
    JsonNode done = TestFarms.awaitFinished(standby.client(), id, Duration.ofMinutes(3));
    assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
    assertThat(FrameHashes.video(output)).isEqualTo(expected);

    // Chunks leased before the kill keep their attempt count, except those still in flight at the kill.
    List<Integer> attemptsBefore = ints(before.path("chunkAttempts"));
    List<Integer> attemptsAfter = ints(done.path("chunkAttempts"));
    long leased = attemptsBefore.stream().filter(a -> a > 0).count();
    long inFlight = leased - before.path("chunksDone").asInt();
    long leasedAgain = IntStream.range(0, attemptsBefore.size())
        .filter(i -> attemptsBefore.get(i) > 0 && !attemptsAfter.get(i).equals(attemptsBefore.get(i))).count();
    assertThat(leasedAgain).as("chunks leased again after the takeover, before %s, after %s", attemptsBefore,
        attemptsAfter).isLessThanOrEqualTo(inFlight);
  }

  private Coordinator coordinator(FarmProcesses farm, String name, int port, Integer seedPort) throws IOException {
    int httpPort = freePort();
    List<String> args = new ArrayList<>(List.of("coordinator", "--port", String.valueOf(port), "--http-port",
        String.valueOf(httpPort), "--data-dir", work.resolve("coordinators").toString(), "--journal-url", journalUrl,
        "--journal-user", PostgresServer.USER, "--allowed-root", work.toString(), "--allowed-root",
        TestVideos.cacheDir().toString()));
    if (seedPort != null) {
      args.addAll(List.of("--seed-nodes", "127.0.0.1:" + seedPort));
    }
    Path log = work.resolve(name + ".log");
    Process process = farm.start(log, FAST, Map.of("FRAMEFARM_JOURNAL_PASSWORD", postgres.password()),
        args.toArray(String[]::new));
    return new Coordinator(process, new FarmClient("http://127.0.0.1:" + httpPort), log);
  }

  private static void awaitApi(Coordinator coordinator) {
    Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> coordinator.process().isAlive() && coordinator.client().jobs(1, null) != null);
  }

  private static List<Integer> ints(JsonNode array) {
    List<Integer> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asInt()));
    return values;
  }

  private static int freePort() {
    try {
      return FarmProcesses.freePort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster over TLS with mutual authentication, as separate processes on loopback, with keys made by
 * {@code farm keys}: a coordinator and a worker complete a job frame-exact. Then two nodes try to join and are
 * kept out while a second job completes: an intruder that trusts the cluster CA and knows the stores' password
 * but whose key another CA signed (the coordinator refuses its certificate: only the cluster's check can stop
 * it, since it would accept the coordinator's), and a worker without TLS.
 */
class ClusterTlsProcessTest {
  private static final String INVERT = "lutyuv=y=255-val:u=255-val:v=255-val";
  private static final String NOT_JOINED = "Couldn't join seed nodes";

  @TempDir
  Path work;

  @Test
  void aTlsClusterCompletesJobsAndKeepsOutNodesWithoutACertificateFromItsCa() throws Exception {
    Path keys = work.resolve("keys");
    assertThat(Farm.run("keys", "--out", keys.toString(), "coordinator", "worker")).isZero();
    String password = ClusterKeys.read(keys.resolve(ClusterKeys.PASSWORD));
    // The intruder's stores share the cluster's password, so it can open the cluster's truststore too: all it
    // lacks is a key the cluster CA signed.
    Path otherCa = work.resolve("other-ca");
    ClusterKeys intruderKeys = new ClusterKeys(otherCa);
    intruderKeys.makeCa(password);
    Path intruderStore = intruderKeys.issue("intruder", 30, password);

    Path input = TestVideos.small(TestVideos.cacheDir());
    int clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    int workerPort = FarmProcesses.freePort();
    try (FarmProcesses farm = new FarmProcesses()) {
      List<String> coordinatorArgs = new ArrayList<>(List.of("coordinator", "--port", String.valueOf(clusterPort),
          "--http-port", String.valueOf(httpPort), "--data-dir", work.resolve("coordinator").toString(),
          "--allowed-root", work.toString(), "--allowed-root", TestVideos.cacheDir().toString()));
      coordinatorArgs.addAll(tls(keys.resolve("coordinator.p12"), keys));
      Process coordinator = farm.start(work.resolve("coordinator.log"), List.of(),
          coordinatorArgs.toArray(String[]::new));
      FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
      Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> coordinator.isAlive() && client.nodes() != null);
      worker(farm, "worker", clusterPort, workerPort, tls(keys.resolve("worker.p12"), keys));
      TestFarms.awaitDevices(client, 1);

      Path inverted = work.resolve("inverted.mp4");
      JsonNode first = TestFarms.awaitFinished(client, client.submit(TestFarms.job(input, inverted, "invert", 30,
          true)), Duration.ofMinutes(3));
      assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("COMPLETED");
      assertThat(FrameHashes.video(inverted)).isEqualTo(FrameHashes.videoFiltered(input, INVERT));

      int intruderPort = FarmProcesses.freePort();
      int plainPort = FarmProcesses.freePort();
      Process intruder = worker(farm, "intruder", clusterPort, intruderPort, tls(intruderStore, keys));
      Process plain = worker(farm, "plain", clusterPort, plainPort, List.of());
      // The coordinator ends the intruder's handshakes with a fatal alert (bad_certificate on JDK 17).
      awaitLog(work.resolve("intruder.log"), "SSLHandshakeException: Received fatal alert");
      awaitLog(work.resolve("intruder.log"), NOT_JOINED);
      awaitLog(work.resolve("plain.log"), NOT_JOINED);

      Path copied = work.resolve("copied.mp4");
      JsonNode second = TestFarms.awaitFinished(client, client.submit(TestFarms.job(input, copied, "identity", 30,
          true)), Duration.ofMinutes(3));
      assertThat(second.path("state").asText()).as(second.toString()).isEqualTo("COMPLETED");
      assertThat(FrameHashes.video(copied)).isEqualTo(FrameHashes.video(input));
      String member = "pekko://farm@127.0.0.1:";
      second.path("chunkWorkers").forEach(w -> assertThat(w.asText()).startsWith(member + workerPort + "/"));
      List<String> nodes = new ArrayList<>();
      client.nodes().path("devices").forEach(d -> nodes.add(d.path("node").asText()));
      assertThat(nodes).as("nodes reporting devices").containsExactly(member + workerPort);
      assertThat(Files.readString(work.resolve("coordinator.log"))).as("the coordinator never heard of them")
          .doesNotContain(member + intruderPort).doesNotContain(member + plainPort);
      assertThat(intruder.isAlive() && plain.isAlive()).as("kept out, still trying, not crashed").isTrue();
    }
  }

  /** TLS options: {@code keystore}, and the truststore and password of the cluster whose keys are in {@code keys}. */
  private static List<String> tls(Path keystore, Path keys) {
    return List.of("--tls-keystore", keystore.toString(), "--tls-truststore", keys.resolve("truststore.p12").toString(),
        "--tls-password-file", keys.resolve("password").toString());
  }

  private Process worker(FarmProcesses farm, String name, int clusterPort, int port, List<String> tls)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("worker", "--seed-nodes", "127.0.0.1:" + clusterPort, "--port",
        String.valueOf(port), "--cpu-slots", "1", "--data-dir", work.resolve(name).toString()));
    args.addAll(tls);
    return farm.start(work.resolve(name + ".log"), List.of(), args.toArray(String[]::new));
  }

  private static void awaitLog(Path log, String line) {
    Awaitility.await("'" + line + "' in " + log.getFileName()).atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250)).until(() -> Files.readString(log).contains(line));
  }
}

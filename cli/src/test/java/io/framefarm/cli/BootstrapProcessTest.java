package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pekko Cluster Bootstrap with the {@code config} discovery method: a coordinator and two workers as processes of
 * their own, none given seed nodes, each listing the three management endpoints. Bootstrap lets exactly one of
 * them found the cluster, the others join it, and a job runs through it frame-exact.
 */
class BootstrapProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path work;

  @Test
  void threeNodesFormOneClusterWithoutSeedNodesAndCompleteAJob() throws Exception {
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 2);
    List<Integer> management = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      management.add(FarmProcesses.freePort());
    }
    String endpoints = management.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    int httpPort = FarmProcesses.freePort();
    List<String> names = List.of("coordinator", "worker-a", "worker-b");
    try (FarmProcesses farm = new FarmProcesses()) {
      List<Process> nodes = new ArrayList<>();
      nodes.add(farm.start(work.resolve("coordinator.log"), List.of(), "coordinator",
          "--port", String.valueOf(FarmProcesses.freePort()), "--http-port", String.valueOf(httpPort),
          "--management-port", String.valueOf(management.get(0)), "--discovery", "config",
          "--discovery-endpoints", endpoints, "--required-contact-points", "3",
          "--data-dir", work.resolve("coordinator").toString(),
          "--allowed-root", work.toString(), "--allowed-root", TestVideos.cacheDir().toString()));
      for (int i = 1; i < 3; i++) {
        nodes.add(farm.start(work.resolve(names.get(i) + ".log"), List.of(), "worker",
            "--port", String.valueOf(FarmProcesses.freePort()), "--management-port", String.valueOf(management.get(i)),
            "--discovery", "config", "--discovery-endpoints", endpoints, "--required-contact-points", "3",
            "--cpu-slots", "1", "--data-dir", work.resolve(names.get(i)).toString()));
      }

      // Pekko Management's view of the membership, as an operator would read it on any node.
      String membersUri = "http://127.0.0.1:" + management.get(0) + "/cluster/members";
      JsonNode members;
      try {
        members = Awaitility.await("three members Up").atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
            .failFast("a node exited", () -> nodes.stream().anyMatch(p -> !p.isAlive()))
            .until(() -> JSON.readTree(get(membersUri)), m -> upMembers(m) == 3);
      } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
        throw new AssertionError(e.getMessage() + "\n" + logTails(names), e);
      }
      assertThat(members.path("unreachable")).isEmpty();

      FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
      TestFarms.awaitDevices(client, 2);
      Path output = work.resolve("out.mp4");
      String id = client.submit(TestFarms.job(input, output, "identity", 20, true)); // three chunks
      JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(5));
      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(input));

      // Bootstrap, not a node on its own, decided who founds the cluster: exactly one node joined itself.
      List<String> logs = new ArrayList<>();
      for (String name : names) {
        logs.add(Files.readString(work.resolve(name + ".log")));
      }
      assertThat(logs).allMatch(log -> log.contains("Cluster Bootstrap started"));
      assertThat(IntStream.range(0, 3).filter(i -> logs.get(i).contains("Initiating new cluster, self-joining")))
          .as("nodes that founded the cluster").hasSize(1);
    }
  }

  /** The end of each node's log, for a failure message. */
  private String logTails(List<String> names) throws java.io.IOException {
    StringBuilder tails = new StringBuilder();
    for (String name : names) {
      String log = Files.readString(work.resolve(name + ".log"));
      tails.append("--- ").append(name).append(".log\n").append(log.substring(Math.max(0, log.length() - 4000)));
    }
    return tails.toString();
  }

  private static long upMembers(JsonNode members) {
    return java.util.stream.StreamSupport.stream(members.path("members").spliterator(), false)
        .filter(m -> "Up".equals(m.path("status").asText())).count();
  }

  private static String get(String uri) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }
}

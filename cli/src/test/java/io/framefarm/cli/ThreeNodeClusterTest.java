package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One coordinator and two workers as three actor systems on loopback ports, joined through seed
 * nodes like separate machines: a job's chunks are done on both workers and the output is exact.
 */
class ThreeNodeClusterTest {
  @TempDir
  Path work;

  @Test
  void chunksOfOneJobAreProcessedOnBothWorkers() throws Exception {
    int seedPort = freePort();
    String seed = "127.0.0.1:" + seedPort;
    try (FarmNode coordinator = FarmNode.start(
            TestFarms.config(List.of("coordinator"), work.resolve("coordinator"), List.of(seed), seedPort), 0);
         FarmNode workerA = FarmNode.start(
            TestFarms.config(List.of("worker"), work.resolve("worker-a"), List.of(seed), 0), 1);
         FarmNode workerB = FarmNode.start(
            TestFarms.config(List.of("worker"), work.resolve("worker-b"), List.of(seed), 0), 1)) {
      FarmClient client = new FarmClient(coordinator.apiUrl());
      TestFarms.awaitDevices(client, 2);

      Path input = TestVideos.small(TestVideos.cacheDir());
      Path output = work.resolve("out.mp4");
      String id = client.submit(TestFarms.job(input, output, "invert", 5, true));
      JsonNode job = TestFarms.awaitFinished(client, id, Duration.ofMinutes(5));

      assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("COMPLETED");
      Set<String> nodes = new HashSet<>();
      job.path("chunkWorkers").forEach(w -> nodes.add(w.asText().replaceAll("(pekko://farm@[^/]+)/.*", "$1")));
      assertThat(nodes).as("nodes that processed chunks").containsExactlyInAnyOrder(
          workerA.system().address().toString(), workerB.system().address().toString());
      assertThat(FrameHashes.video(output))
          .isEqualTo(FrameHashes.videoFiltered(input, "lutyuv=y=255-val:u=255-val:v=255-val"));
      assertThat(FrameHashes.audioPackets(output)).isEqualTo(FrameHashes.audioPackets(input));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

package io.framefarm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/** Farms for tests: real actor systems on loopback ports, with every message serialized as on the wire. */
final class TestFarms {
  private TestFarms() {}

  static Config config(List<String> roles, Path dataDir, List<String> seeds, int port) {
    var node = new NodeOptions();
    node.port = port;
    node.seedNodes = seeds;
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("framefarm.data-dir", dataDir.toString());
    overrides.put("framefarm.coordinator.http-port", 0);
    overrides.put("pekko.actor.serialize-messages", "on");
    // Tests keep inputs in target/test-videos (the working directory) and outputs beside the data dir.
    overrides.put("framefarm.coordinator.allowed-roots", List.of(dataDir.toAbsolutePath().getParent().toString(),
        Path.of("").toAbsolutePath().toString()));
    return node.config(roles, overrides);
  }

  /** The embedded default: coordinator and worker in one node. */
  static FarmNode embedded(Path dataDir, int slots) {
    return FarmNode.start(config(List.of("coordinator", "worker"), dataDir, List.of(), 0), slots);
  }

  static Map<String, Object> job(Path input, Path output, String pipeline, int chunkFrames, boolean lossless) {
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("input", input.toString());
    job.put("output", output.toString());
    job.put("pipeline", pipeline);
    job.put("chunkFrames", chunkFrames);
    job.put("lossless", lossless);
    return job;
  }

  /** Waits for the job to finish (a hung job fails the test with its last state, not the build's timeout). */
  static JsonNode awaitFinished(FarmClient client, String id, Duration deadline) {
    return Awaitility.await("job " + id + " to finish").atMost(deadline).pollInterval(Duration.ofMillis(100))
        .until(() -> client.job(id), job -> List.of("COMPLETED", "FAILED", "CANCELLED")
            .contains(job.path("state").asText()));
  }

  /** Waits until {@code devices} devices have reported their memory: their nodes are up and connected. */
  static void awaitDevices(FarmClient client, int devices) {
    Awaitility.await(devices + " device report(s)").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
        .until(() -> client.nodes().path("devices").size() >= devices);
  }
}

package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.framefarm.media.Probe;
import io.framefarm.media.SampleVideo;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --simulated-devices 3 --simulated-frame-ms 10}: a job whose chunks start on keyframes completes on simulated
 * devices, with exactly its frames, which are the input's.
 */
class SimulatedDevicesFarmTest {
  @TempDir
  Path work;

  @Test
  void aJobOnSimulatedDevicesCompletesWithTheInputsFrames() throws Exception {
    Path input = TestVideos.cacheDir().resolve("simulated-gop10-160x120-2s.mp4");
    if (!Files.isRegularFile(input)) {
      SampleVideo.generate(input, 2, 160, 120, 30, 10);
    }
    DeviceOptions devices = new DeviceOptions();
    new CommandLine(devices).parseArgs("--simulated-devices", "3", "--simulated-frame-ms", "10");
    var config = ConfigFactory.parseMap(devices.overrides()).withFallback(
        TestFarms.config(List.of("coordinator", "worker"), work.resolve("farm"), List.of(), 0));
    try (FarmNode farm = FarmNode.start(config, devices.toWorkerOptions())) {
      FarmClient client = new FarmClient(farm.apiUrl());
      TestFarms.awaitDevices(client, 3);
      Path output = work.resolve("out.mp4");

      JsonNode done = TestFarms.awaitFinished(client, client.submit(TestFarms.job(input, output, "invert", 10, false)),
          Duration.ofMinutes(2));

      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(Probe.probe(output).frames().frameCount()).isEqualTo(60);
      assertThat(FrameHashes.video(output)).as("not inverted: a simulated device returns its input")
          .isEqualTo(FrameHashes.video(input));
      List<String> ids = client.nodes().path("devices").findValuesAsText("deviceId");
      assertThat(ids).containsExactlyInAnyOrder("sim:0", "sim:1", "sim:2");
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(farm.apiUrl() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).as("every chunk's assignment timed").containsPattern(
          "(?m)^framefarm_chunk_assignment_seconds_count ([6-9]|\\d\\d+)(\\.0)?$");
    }
  }
}

package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import io.framefarm.worker.onnx.testing.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two pipelines whose models do not fit one device's budget together: the second job evicts the
 * first job's model, both outputs are right, and the eviction shows in {@code farm nodes}, in
 * {@code farm nodes --watch} and in the memory events.
 */
class ModelEvictionFarmTest {
  private static final long MIB = 1024 * 1024;

  @TempDir
  Path work;

  private Path pipeline(String name, Path model) throws Exception {
    Path file = work.resolve(name + ".json");
    Files.writeString(file, """
        { "name": "%s",
          "models": [ { "id": "%s", "path": "%s", "role": "secondary",
                        "input": { "width": 320, "height": 240 }, "estimatedBytes": %d } ],
          "stages": [ { "type": "frame-model", "model": "%s" } ] }
        """.formatted(name, name, model, 60 * MIB, name));
    return file;
  }

  @Test
  void switchingPipelinesEvictsTheOtherModelAndEveryoneSeesIt() throws Exception {
    Path a = pipeline("weights-a", TestModels.weighted(work.resolve("a.onnx"), 4 * MIB));
    Path b = pipeline("weights-b", TestModels.weighted(work.resolve("b.onnx"), 4 * MIB));
    var config = TestFarms.config(List.of("coordinator", "worker"), work.resolve("farm"), List.of(), 0);
    try (FarmNode farm = FarmNode.start(config, new FarmNode.WorkerOptions(1, "none", 100 * MIB, 0))) {
      String url = farm.apiUrl();
      FarmClient client = new FarmClient(url);
      TestFarms.awaitDevices(client, 1);
      StringWriter watched = new StringWriter();
      Thread watcher = new Thread(() -> Farm.run(new PrintWriter(watched, true), new PrintWriter(new StringWriter()),
          "nodes", "--watch", "--coordinator", url));
      watcher.setDaemon(true);
      watcher.start();

      Path input = TestVideos.small(TestVideos.cacheDir());
      for (Path pipeline : List.of(a, b)) {
        Path output = work.resolve(pipeline.getFileName() + ".mp4");
        Map<String, Object> job = TestFarms.job(input, output, pipeline.toString(), 30, true);
        JsonNode done = TestFarms.awaitFinished(client, client.submit(job), Duration.ofMinutes(3));
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
        assertThat(FrameHashes.video(output)).hasSameSizeAs(FrameHashes.video(input));
        // The weighted models return their input: only colour conversion may move a sample, by a little.
        byte[] in = GrayFrames.frame(input, 45, work);
        byte[] out = GrayFrames.frame(output, 45, work);
        assertThat(GrayFrames.meanDifference(in, out, 320, new int[] {0, 0, 0, 0}, false)).isLessThan(1.5);
      }

      JsonNode device = client.nodes().path("devices").get(0);
      assertThat(device.path("evictions").asLong()).isGreaterThanOrEqualTo(1);
      assertThat(device.path("budgetBytes").asLong()).isEqualTo(100 * MIB);
      assertThat(device.path("peakBytes").asLong()).isLessThanOrEqualTo(100 * MIB);
      List<String> resident = new ArrayList<>();
      device.path("models").forEach(m -> resident.add(m.path("modelId").asText()));
      assertThat(resident).singleElement().asString().startsWith("weights-b@"); // the id and its digest

      JsonNode events = client.nodes().path("events");
      assertThat(events.findValuesAsText("type")).contains("ModelLoaded", "ModelEvicted");
      StringWriter table = new StringWriter();
      Farm.run(new PrintWriter(table, true), new PrintWriter(new StringWriter()), "nodes", "--coordinator", url);
      assertThat(table.toString()).contains("weights-b")
          .containsPattern("\\s1\\s+NORMAL|\\s[1-9]\\d*\\s+(NORMAL|HIGH)");
      awaitText(watched, "ModelEvicted");
      assertThat(watched.toString()).contains("evicted weights-a");
    }
  }

  private static void awaitText(StringWriter writer, String text) {
    Awaitility.await("'" + text + "' in farm nodes --watch").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100)).until(() -> writer.toString().contains(text));
  }
}

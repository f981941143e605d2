package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.SampleVideo;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster whose machines share nothing: a coordinator on 127.0.0.1 and two workers on 127.0.0.2 and 127.0.0.3,
 * each worker in a mount namespace of its own with an empty tmpfs over the coordinator's data dir, the input's
 * folder and the checkout's {@code models/}. A {@code redact-text} job completes with the caption blurred and
 * nothing else touched, so the workers ran PP-OCR's detector, which they can only have had through the farm; and
 * each worker fetched it once, whatever the number of its chunks and slots.
 */
class ShareNothingProcessTest {
  private static final int WIDTH = 640;
  private static final int HEIGHT = 360;
  /** Where {@link SampleVideo} draws its caption band, with a margin for the blur (as in TextPipelinesFarmTest). */
  private static final int[] BAND = {WIDTH / 10 - 8, HEIGHT / 8 - 8, WIDTH * 8 / 10 + 16, HEIGHT / 5 + 16};
  private static final int[] NEAR_CAPTION = {BAND[0] - 40, BAND[1] - 40, BAND[2] + 80, BAND[3] + 80};
  /** redact-text's one model, PP-OCRv4's text detector, as pipelines/redact-text.json names it. */
  private static final String DETECTOR = "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff";

  @TempDir
  Path work;

  @Test
  void workersThatSeeNoneOfTheCoordinatorsFilesFetchEachModelOnceAndRedactCorrectly() throws Exception {
    Path models = Path.of("..", "models").toRealPath();
    assertThat(models.resolve("ppocr/ch_PP-OCRv4_det_infer.onnx"))
        .as("PP-OCR models: run deploy/fetch-sample-models.sh (CI does)").exists();
    Path inputDir = Files.createDirectories(work.resolve("input"));
    Path coordinatorData = Files.createDirectories(work.resolve("coordinator"));
    Path input = SampleVideo.generate(inputDir.resolve("captioned.mp4"), SampleVideo.Pattern.BARS, 4, WIDTH, HEIGHT,
        30, "FRAMEFARM");
    Path output = work.resolve("out").resolve("redacted.mkv");
    int clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    try (FarmProcesses farm = new FarmProcesses()) {
      Process coordinator = farm.start(work.resolve("coordinator.log"), List.of(), "coordinator", "--host",
          "127.0.0.1", "--port", String.valueOf(clusterPort), "--http-port", String.valueOf(httpPort), "--data-dir",
          coordinatorData.toString(), "--allowed-root", work.toString(), "--allowed-root",
          TestVideos.cacheDir().toString());
      FarmClient client = new FarmClient("http://127.0.0.1:" + httpPort);
      Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> coordinator.isAlive() && client.nodes() != null);
      List<Path> hidden = List.of(coordinatorData, inputDir, models);
      List<Process> workers = new ArrayList<>();
      for (String host : List.of("127.0.0.2", "127.0.0.3")) {
        workers.add(farm.startElsewhere(work.resolve("worker-" + host + ".log"), hidden, "worker", "--host", host,
            "--port", String.valueOf(clusterPort), "--seed-nodes", "127.0.0.1:" + clusterPort, "--cpu-slots", "2",
            "--data-dir", work.resolve("worker-" + host).toString()));
      }
      Awaitility.await("both workers in the cluster").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> workers.stream().allMatch(Process::isAlive) && client.nodes().toString().contains("127.0.0.2")
              && client.nodes().toString().contains("127.0.0.3"));

      String id = client.submit(TestFarms.job(input, output, "redact-text", 15, true)); // 8 chunks
      JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(8));

      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
      List<String> ranOn = new ArrayList<>();
      done.path("chunkWorkers").forEach(w -> ranOn.add(w.asText()));
      assertThat(ranOn).as("chunks ran on both workers").anyMatch(w -> w.contains("127.0.0.2"))
          .anyMatch(w -> w.contains("127.0.0.3"));
      for (String host : List.of("127.0.0.2", "127.0.0.3")) {
        String log = Files.readString(work.resolve("worker-" + host + ".log"));
        for (Path dir : hidden) {
          assertThat(log).as("the worker saw nothing of " + dir).contains("hidden " + dir + ": 0 entries");
        }
        assertThat(count(log, "Fetched model file " + DETECTOR)).as("fetches of the detector on " + host + ":\n"
            + log).isEqualTo(1);
        assertThat(work.resolve("worker-" + host).resolve("model-cache").resolve(String.valueOf(clusterPort))
            .resolve(DETECTOR)).exists();
      }
      assertThat(count(Files.readString(work.resolve("coordinator.log")), "Offering ch_PP-OCRv4_det_infer.onnx"))
          .as("offers, one to each worker").isEqualTo(2);
      assertRedacted(input, output);
      for (Process worker : workers) {
        worker.destroy();
        assertThat(worker.waitFor(2, TimeUnit.MINUTES)).isTrue();
      }
    }
  }

  /** The caption's pixels changed and nothing away from it, on the first, a middle and the last frame. */
  private void assertRedacted(Path input, Path output) throws Exception {
    assertThat(FrameHashes.video(output)).hasSameSizeAs(FrameHashes.video(input));
    for (int frame : new int[] {0, 61, 119}) {
      byte[] before = GrayFrames.frame(input, frame, work);
      byte[] after = GrayFrames.frame(output, frame, work);
      assertThat(GrayFrames.meanDifference(before, after, WIDTH, BAND, true))
          .as("mean change inside the caption of frame %d", frame).isGreaterThan(10);
      assertThat(GrayFrames.changedFraction(before, after, WIDTH, List.of(NEAR_CAPTION)))
          .as("share of samples changed away from the text in frame %d", frame).isZero();
    }
  }

  private static int count(String text, String what) {
    return (int) Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
  }
}

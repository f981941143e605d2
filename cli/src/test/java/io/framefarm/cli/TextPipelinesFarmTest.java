package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framefarm.media.SampleVideo;
import io.framefarm.media.testing.FrameHashes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped sample pipelines on a real model no one here wrote (PaddleOCR PP-OCRv4, fetched by
 * deploy/fetch-sample-models.sh) through the farm, on a video with a caption drawn into it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TextPipelinesFarmTest {
  private static final int WIDTH = 640;
  private static final int HEIGHT = 360;
  /** Where {@link SampleVideo} draws its caption band (x, y, width, height), with a margin for the blur. */
  private static final int[] BAND = {WIDTH / 10 - 8, HEIGHT / 8 - 8, WIDTH * 8 / 10 + 16, HEIGHT / 5 + 16};
  /**
   * PP-OCR boxes are unclipped (grown by 1.5 x area / perimeter) and padded before the blur: the caption's
   * surroundings.
   */
  private static final int[] NEAR_CAPTION = {BAND[0] - 40, BAND[1] - 40, BAND[2] + 80, BAND[3] + 80};

  @TempDir
  static Path work;

  private FarmNode farm;
  private FarmClient client;
  private Path input;

  @BeforeAll
  void start() {
    Path repo = Path.of(System.getProperty("user.dir")).getParent();
    System.setProperty("framefarm.home", repo.toString());
    assertThat(repo.resolve("models/ppocr/ch_PP-OCRv4_det_infer.onnx"))
        .as("PP-OCR models: run deploy/fetch-sample-models.sh (CI does)").exists();
    // Colour bars: flat areas, nothing the detector could take for text but the caption.
    input = SampleVideo.generate(work.resolve("captioned.mp4"), SampleVideo.Pattern.BARS, 2, WIDTH, HEIGHT, 30,
        "FRAMEFARM");
    farm = TestFarms.embedded(work.resolve("farm"), 2);
    client = new FarmClient(farm.apiUrl());
  }

  @AfterAll
  void stop() {
    farm.close();
  }

  private Path run(String pipeline) {
    Path output = work.resolve(pipeline + ".mp4");
    String id = client.submit(TestFarms.job(input, output, pipeline, 30, true));
    JsonNode job = TestFarms.awaitFinished(client, id, Duration.ofMinutes(5));
    assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("COMPLETED");
    assertThat(FrameHashes.video(output)).hasSameSizeAs(FrameHashes.video(input));
    return output;
  }

  @Test
  void redactTextChangesThePixelsOfTheTextAndNothingElse() throws Exception {
    Path output = run("redact-text");
    for (int frame : new int[] {0, 31, 59}) {
      byte[] before = GrayFrames.frame(input, frame, work);
      byte[] after = GrayFrames.frame(output, frame, work);
      assertThat(GrayFrames.meanDifference(before, after, WIDTH, BAND, true))
          .as("mean change inside the caption of frame %d", frame).isGreaterThan(10);
      assertThat(GrayFrames.changedFraction(before, after, WIDTH, List.of(NEAR_CAPTION)))
          .as("share of samples changed away from the text in frame %d", frame).isZero();
    }
  }

  @Test
  void extractTextFindsTheCaptionWithItsTimestamps() throws Exception {
    Path output = run("extract-text");
    Path sidecar = output.resolveSibling(output.getFileName() + ".text.json");
    JsonNode texts = new ObjectMapper().readTree(sidecar.toFile()).path("texts");
    assertThat(texts.size()).as("texts found").isGreaterThanOrEqualTo(50);
    List<String> words = texts.findValuesAsText("text");
    assertThat(words.stream().filter(w -> w.contains("FRAMEFARM")).count()).isGreaterThanOrEqualTo(50);
    double last = -1;
    for (JsonNode t : texts) {
      assertThat(t.path("timeSeconds").asDouble()).isBetween(0.0, 2.0).isGreaterThanOrEqualTo(last);
      last = t.path("timeSeconds").asDouble();
    }
  }
}

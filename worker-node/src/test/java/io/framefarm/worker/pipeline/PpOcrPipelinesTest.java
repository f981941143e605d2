package io.framefarm.worker.pipeline;

import static io.framefarm.worker.pipeline.TestFrames.luma;
import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.media.VideoFrame;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.pipeline.PipelineValidator;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.ModelHandle;
import io.framefarm.worker.onnx.OnnxModelLoader;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped sample pipelines with PaddleOCR's PP-OCRv4 models (fetched by
 * {@code deploy/fetch-sample-models.sh}, which CI runs first) on a frame with known text drawn into it.
 */
class PpOcrPipelinesTest {

  static {
    System.setProperty("java.awt.headless", "true"); // before any AWT class loads: CI has no display
  }

  private static final int W = 640;
  private static final int H = 360;
  private static final OnnxModelLoader LOADER = OnnxModelLoader.forDevice(new HostDevice(0, 4L << 30), 2);
  private static final List<ModelHandle> HANDLES = new ArrayList<>();
  private static PipelineSpec extract;
  private static PipelineSpec redact;

  @TempDir Path dir;

  @BeforeAll
  static void loadModels() throws Exception {
    extract = PipelineSpec.load(repoFile("pipelines/extract-text.json"));
    redact = PipelineSpec.load(repoFile("pipelines/redact-text.json"));
    for (PipelineModel model : extract.models()) {
      assertThat(model.path()).as("PP-OCR models: run deploy/fetch-sample-models.sh").exists();
      var spec = LOADER.modelSpec(model);
      HANDLES.add(new ModelHandle(spec, LOADER.load(spec)));
    }
    PipelineValidator.validate(extract, Long.MAX_VALUE);
    PipelineValidator.validate(redact, Long.MAX_VALUE);
  }

  @AfterAll
  static void closeModels() {
    HANDLES.forEach(h -> h.model().close());
  }

  static Path repoFile(String relative) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.exists(d.resolve(relative))) {
        return d.resolve(relative);
      }
    }
    throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
  }

  /** Black bold text on white: "FRAMEFARM" large at the top left, "2026" lower right. */
  private static VideoFrame frameWithText(long pts) {
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 56));
    g.drawString("FRAMEFARM", 40, 110);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 48));
    g.drawString("2026", 420, 290);
    g.dispose();
    VideoFrame frame = TestFrames.fromImage(image);
    frame.setPts(pts);
    return frame;
  }

  @Test
  void extractTextReadsTheWordsWithTheirTimestampsInFrameOrder() throws Exception {
    try (PipelineRuntime runtime = PipelineRuntime.create(extract, HANDLES, ChunkContext.millis())) {
      runtime.apply(frameWithText(0));
      runtime.apply(frameWithText(1500));

      assertThat(runtime.texts()).extracting(RecognizedText::text).containsOnly("FRAMEFARM", "2026").hasSize(4);
      RecognizedText word = runtime.texts().stream().filter(t -> t.text().equals("FRAMEFARM") && t.pts() == 1500)
          .findFirst().orElseThrow();
      assertThat(word.timeSeconds()).isEqualTo(1.5);
      assertThat(word.confidence()).isGreaterThan(0.8f);
      // Around the drawn word: x 40..~360, baseline 110 with 56 px capitals.
      assertThat(word.box().x()).isBetween(20, 60);
      assertThat(word.box().y()).isBetween(45, 80);
      assertThat(word.box().y() + word.box().height()).isBetween(100, 130);

      assertThat(runtime.texts()).extracting(RecognizedText::pts).containsExactly(0L, 0L, 1500L, 1500L);
      assertThat(runtime.texts()).allSatisfy(t -> assertThat(t.box().width()).isPositive());
    }
  }

  @Test
  void redactTextBlursTheTextAndLeavesTheRestUntouched() throws Exception {
    VideoFrame frame = frameWithText(0);
    byte[] before = TestFrames.bytes(frame);
    List<Region> boxes;
    try (PipelineRuntime runtime = PipelineRuntime.create(redact, HANDLES, ChunkContext.millis())) {
      runtime.apply(frame);
      boxes = runtime.lastRegions();
    }

    assertThat(boxes).hasSize(2);
    Region word = boxes.get(0);
    int changed = 0;
    for (int y = word.y(); y < word.y() + word.height(); y++) {
      for (int x = word.x(); x < word.x() + word.width(); x++) {
        changed += luma(frame, x, y) != (before[y * W + x] & 0xff) ? 1 : 0;
      }
    }
    assertThat(changed).as("luma samples changed in the word's box").isGreaterThan((int) (word.area() / 3));
    int far = 0;
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        int px = x;
        int py = y;
        if (boxes.stream().allMatch(b -> farFrom(b, px, py, 12))) {
          assertThat(luma(frame, x, y)).as("luma at %d,%d", x, y).isEqualTo(before[y * W + x] & 0xff);
          far++;
        }
      }
    }
    assertThat(far).isGreaterThan(W * H / 2);

    try (PipelineRuntime reader = PipelineRuntime.create(extract, HANDLES, ChunkContext.millis())) {
      reader.apply(frame);
      assertThat(reader.texts()).extracting(RecognizedText::text).doesNotContain("FRAMEFARM", "2026");
    }
  }

  private static boolean farFrom(Region r, int x, int y, int margin) {
    return x < r.x() - margin || x >= r.x() + r.width() + margin || y < r.y() - margin || y >= r.y() + r.height()
        + margin;
  }
}

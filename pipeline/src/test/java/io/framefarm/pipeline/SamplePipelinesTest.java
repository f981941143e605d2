package io.framefarm.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The pipelines shipped in {@code pipelines/} parse and validate against the PP-OCR models that
 * {@code deploy/fetch-sample-models.sh} fetches (CI's {@code .ci/run} runs it first).
 */
class SamplePipelinesTest {

  static Path repoFile(String relative) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve(relative))) {
        return dir.resolve(relative);
      }
    }
    throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath()
        + (relative.startsWith("models") ? ": run deploy/fetch-sample-models.sh" : ""));
  }

  @Test
  void redactTextValidates() {
    repoFile("models/ppocr/ch_PP-OCRv4_det_infer.onnx");
    PipelineSpec spec = PipelineSpec.load(repoFile("pipelines/redact-text.json"));

    long need = PipelineValidator.validate(spec, Long.MAX_VALUE);

    assertThat(spec.primaryModels()).hasSize(1);
    ModelInfo det = ModelInspector.inspect(spec.models().get(0).path());
    assertThat(det.inputs().get(0).dims()).containsExactly(-1L, 3L, -1L, -1L);
    assertThat(need).isEqualTo(ModelMemoryEstimate.estimate(det.initializerBytes(), 960, 544));
    assertThat(det.initializerBytes()).isBetween(4_000_000L, 5_000_000L);
  }

  @Test
  void extractTextValidatesWithTheRecognizerAsSecondary() {
    repoFile("models/ppocr/ch_PP-OCRv4_rec_infer.onnx");
    PipelineSpec spec = PipelineSpec.load(repoFile("pipelines/extract-text.json"));

    long need = PipelineValidator.validate(spec, Long.MAX_VALUE);

    assertThat(spec.secondaryModels()).extracting(PipelineModel::id).containsExactly("text-recognizer");
    ModelInfo rec = ModelInspector.inspect(spec.modelsById().get("text-recognizer").path());
    assertThat(rec.outputs().get(0).dims().get(2)).isEqualTo(6625L);
    assertThat(need).isGreaterThan(ModelMemoryEstimate.estimate(rec.initializerBytes(), 320, 48));
  }
}

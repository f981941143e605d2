package io.framefarm.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.pipeline.PipelineModel.ChannelOrder;
import io.framefarm.pipeline.PipelineModel.Normalization;
import io.framefarm.pipeline.PipelineModel.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineValidatorTest {

  @TempDir Path dir;

  private static final long MIB = 1 << 20;

  private PipelineModel model(String id, Path path, Role role, int width, int height, String sha256, long estimated) {
    return new PipelineModel(id, path, sha256, role, width, height, ChannelOrder.RGB, Normalization.DEFAULT, estimated);
  }

  private PipelineSpec frameModel(PipelineModel model) {
    return new PipelineSpec("p", List.of(model), List.of(new StageSpec.FrameModel(model.id())));
  }

  @Test
  void inspectorReadsShapesWithDynamicDimsAndWeightBytes() throws IOException {
    Path file = OnnxFiles.write(dir.resolve("m.onnx"), 1000, 1, 3, -1, 64);

    ModelInfo info = ModelInspector.inspect(file);

    assertThat(info.inputs()).containsExactly(new ModelInfo.Tensor("x", "float", List.of(1L, 3L, -1L, 64L)));
    assertThat(info.outputs()).hasSize(1);
    assertThat(info.initializerBytes()).isEqualTo(4000);
    assertThat(info.opsetVersion()).isEqualTo(17);
  }

  @Test
  void needIsTheEstimateFromTheFileForAValidPipeline() throws IOException {
    Path file = OnnxFiles.write(dir.resolve("m.onnx"), 256 * 1024, 1, 3, 32, 48);

    long need = PipelineValidator.validate(frameModel(model("m", file, Role.PRIMARY, 48, 32, null, 0)), Long.MAX_VALUE);

    // 2 x 1 MiB of weights + 16 x the 3x32x48 float input + 16 MiB
    assertThat(need).isEqualTo(2 * MIB + 16L * 3 * 32 * 48 * 4 + 16 * MIB);
  }

  @Test
  void dynamicDimsAcceptAnyDeclaredSizeAndSha256IsChecked() throws Exception {
    Path file = OnnxFiles.write(dir.resolve("m.onnx"), 0, -1, 3, -1, -1);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));

    assertThat(PipelineValidator.validate(frameModel(model("m", file, Role.PRIMARY, 977, 13, sha, 5 * MIB)), 5 * MIB))
        .isEqualTo(5 * MIB);
  }

  @Test
  void missingModelFile() {
    Path file = dir.resolve("gone.onnx");

    assertThatThrownBy(() -> PipelineValidator.validate(frameModel(model("m", file, Role.PRIMARY, 8, 8, null, 0)),
        Long.MAX_VALUE))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessage("pipeline p, model m (" + file + "): the model file does not exist");
  }

  @Test
  void sha256Mismatch() throws IOException {
    Path file = OnnxFiles.write(dir.resolve("m.onnx"), 10, 1, 3, 8, 8);
    String wrong = "0".repeat(64);

    assertThatThrownBy(() -> PipelineValidator.validate(frameModel(model("m", file, Role.PRIMARY, 8, 8, wrong, 0)),
        Long.MAX_VALUE))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("model m (" + file + "): sha256 mismatch")
        .hasMessageContaining("the pipeline declares " + wrong)
        .hasMessageContaining(Files.size(file) + " bytes on disk");
  }

  @Test
  void fileThatIsNotOnnx() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.onnx"), "hello, this is not a model\n");
    Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
    Path garbage = Files.write(dir.resolve("garbage.onnx"), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07});

    for (Path file : List.of(text, empty, garbage)) {
      assertThatThrownBy(() -> PipelineValidator.validate(frameModel(model("m", file, Role.PRIMARY, 8, 8, null, 0)),
          Long.MAX_VALUE))
          .isInstanceOf(InvalidPipelineException.class)
          .hasMessageStartingWith("pipeline p, model m: model file " + file + " is not an ONNX model");
    }
  }

  @Test
  void declaredInputSizeNotMatchingTheModel() throws IOException {
    Path file = OnnxFiles.write(dir.resolve("m.onnx"), 0, 1, 3, 32, 64);

    assertThatThrownBy(() -> PipelineValidator.validate(frameModel(model("m", file, Role.PRIMARY, 32, 32, null, 0)),
        Long.MAX_VALUE))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessage("pipeline p, model m (" + file + "): declared input 32x32 (width x height) does not match"
            + " the model's input x: float[1,3,32,64], which takes 64x32");
  }

  @Test
  void inputThatIsNotAnImage() throws IOException {
    Path file = OnnxFiles.write(dir.resolve("m.onnx"), 0, 1, 512);

    assertThatThrownBy(() -> PipelineValidator.validate(frameModel(model("m", file, Role.PRIMARY, 8, 8, null, 0)),
        Long.MAX_VALUE))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("its input x: float[1,512] is not an image tensor float[N,3,H,W]");
  }

  @Test
  void needIsThePrimariesPlusTheLargestSecondaryAndMustFitTheLargestBudget() throws IOException {
    Path file = OnnxFiles.write(dir.resolve("m.onnx"), 0, 1, 3, -1, -1);
    PipelineSpec spec = new PipelineSpec("big", List.of(
        model("a", file, Role.PRIMARY, 8, 8, null, 100 * MIB),
        model("b", file, Role.PRIMARY, 8, 8, null, 50 * MIB),
        model("c", file, Role.SECONDARY, 8, 8, null, 300 * MIB),
        model("d", file, Role.SECONDARY, 8, 8, null, 200 * MIB)),
        List.of(new StageSpec.FrameModel("a"), new StageSpec.FrameModel("b"), new StageSpec.FrameModel("c"),
            new StageSpec.FrameModel("d")));

    assertThat(PipelineValidator.validate(spec, 450 * MIB)).isEqualTo(450 * MIB);
    assertThatThrownBy(() -> PipelineValidator.validate(spec, 449 * MIB))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessage("pipeline big needs 471859200 bytes (450.0 MiB) (primary a 104857600 bytes (100.0 MiB)"
            + " + primary b 52428800 bytes (50.0 MiB) + largest secondary c 314572800 bytes (300.0 MiB))"
            + " but the largest device budget in the cluster is 470810624 bytes (449.0 MiB)");
  }

  @Test
  void recognizerDictionaryMustExistAndMatchTheModelsClasses() throws IOException {
    Path det = OnnxFiles.write(dir.resolve("det.onnx"), 0, 1, 3, -1, -1);
    Path rec = OnnxFiles.write(dir.resolve("rec.onnx"), 0, 1, 3, 48, -1);
    Path keys = Files.writeString(dir.resolve("keys.txt"), "a\nb\nc\n");
    PipelineSpec spec = new PipelineSpec("ocr", List.of(model("det", det, Role.PRIMARY, 64, 64, null, MIB),
        model("rec", rec, Role.SECONDARY, 320, 48, null, MIB)),
        List.of(new StageSpec.Detect("det", 0.3, 0, 1, 0, 10), new StageSpec.Recognize("rec", keys, 0.5)));

    // The test model's output copies its input, so its last dimension (the classes) is dynamic: any dictionary fits.
    assertThat(PipelineValidator.validate(spec, Long.MAX_VALUE)).isEqualTo(2 * MIB);

    Files.delete(keys);
    assertThatThrownBy(() -> PipelineValidator.validate(spec, Long.MAX_VALUE))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessage("pipeline ocr, recognize with model rec: the dictionary file " + keys + " does not exist");
  }

  @Test
  void builtInPipelinesNeedNothing() {
    assertThat(PipelineValidator.validate(PipelineSpec.builtIn("invert"), 0)).isZero();
  }
}

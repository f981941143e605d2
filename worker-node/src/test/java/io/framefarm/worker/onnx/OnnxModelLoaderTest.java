package io.framefarm.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framefarm.pipeline.ModelMemoryEstimate;
import io.framefarm.pipeline.ModelInspector;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.ModelSpec;
import io.framefarm.worker.onnx.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelLoaderTest {

  private static final long MIB = 1 << 20;

  @TempDir Path dir;

  private final OnnxModelLoader cpu = OnnxModelLoader.forDevice(new HostDevice(0, 1L << 30), 1);

  @Test
  void loadsAndRunsAModelOnTheCpuWithItsEstimateAsItsSize() throws Exception {
    PipelineModel invert =
        TestModels.pipelineModel("invert", TestModels.invert(dir.resolve("invert.onnx"), 4, 2), 4, 2);
    ModelSpec spec = cpu.modelSpec(invert);

    try (OnnxModel model = (OnnxModel) cpu.load(spec)) {
      assertThat(model.bytes()).isEqualTo(spec.estimatedBytes()).isEqualTo(ModelMemoryEstimate.of(invert));
      assertThat(model.runOptions()).isNull();
      float[] input = new float[24];
      for (int i = 0; i < input.length; i++) {
        input[i] = i / 24f;
      }
      float[][][][] out = run(model, input, new long[] {1, 3, 2, 4});
      assertThat(out[0][2][1][3]).isCloseTo(1 - 23 / 24f, within(1e-6f));
      assertThat(out[0][0][0][0]).isEqualTo(1f);
    }
  }

  @Test
  void closeClosesSessionAndOptionsOnceAndIsIdempotent() throws Exception {
    ModelSpec spec = cpu.modelSpec(TestModels.pipelineModel("m", TestModels.invert(dir.resolve("m.onnx"), 4, 4), 4, 4));
    OnnxModel model = (OnnxModel) cpu.load(spec);

    model.close();
    model.close();

    assertThat(model.isClosed()).isTrue();
    // ONNX Runtime's own objects refuse a second close: both were closed by the first.
    assertThatThrownBy(() -> model.session().close()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void cudaWithTheCpuOnlyJarFailsWithAClearReason() throws Exception {
    OnnxModelLoader cuda = new OnnxModelLoader(OnnxOptions.cuda(0), () -> 8L << 30);
    ModelSpec spec =
        cuda.modelSpec(TestModels.pipelineModel("m", TestModels.invert(dir.resolve("m.onnx"), 4, 4), 4, 4));

    assertThatThrownBy(() -> cuda.load(spec))
        .isInstanceOf(OrtException.class)
        .hasMessageContaining("the CUDA execution provider is not available")
        .hasMessageContaining("-Pgpu");
  }

  @Test
  void aFileThatIsNotOnnxFailsToLoad() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.onnx"), "not a model");

    assertThatThrownBy(() -> cpu.load(new ModelSpec("bad", bad, MIB, true))).isInstanceOf(OrtException.class);
  }

  @Test
  void measuresWhereFreeMemoryIsKnownAndCorrectsLaterEstimates() throws Exception {
    // A fake device: 1 GiB free before each load, 30 MiB less after it (read twice per load).
    Deque<Long> free = new ArrayDeque<>(List.of(1024 * MIB, 994 * MIB, 1024 * MIB, 994 * MIB));
    OnnxModelLoader measuring = new OnnxModelLoader(OnnxOptions.cpu(1), free::pop);
    PipelineModel first = TestModels.pipelineModel("first", TestModels.weighted(dir.resolve("a.onnx"), MIB), 8, 8);
    PipelineModel second =
        TestModels.pipelineModel("second", TestModels.weighted(dir.resolve("b.onnx"), 2 * MIB), 8, 8);
    long firstFormula = ModelMemoryEstimate.of(first);

    try (OnnxModel model = (OnnxModel) measuring.load(measuring.modelSpec(first))) {
      assertThat(model.bytes()).isEqualTo(30 * MIB);
    }

    assertThat(measuring.correction()).isCloseTo(30.0 * MIB / firstFormula, within(1e-9));
    // Measured before: expected to take what it took; never measured: the formula scaled by the correction.
    assertThat(measuring.modelSpec(first).estimatedBytes()).isEqualTo(30 * MIB);
    assertThat(measuring.modelSpec(second).estimatedBytes())
        .isEqualTo(Math.round(ModelMemoryEstimate.of(second) * measuring.correction()));
    assertThat(free).hasSize(2);
  }

  @Test
  void weightedModelsHoldTheirWeightsAndPassTheInputThrough() throws Exception {
    Path small = TestModels.weighted(dir.resolve("small.onnx"), MIB);
    Path large = TestModels.weighted(dir.resolve("large.onnx"), 8 * MIB);

    assertThat(ModelInspector.inspect(small).initializerBytes()).isEqualTo(MIB + 4);
    assertThat(ModelInspector.inspect(large).initializerBytes()).isEqualTo(8 * MIB + 4);
    assertThat(cpu.modelSpec(TestModels.pipelineModel("l", large, 8, 8)).estimatedBytes()
        - cpu.modelSpec(TestModels.pipelineModel("s", small, 8, 8)).estimatedBytes()).isEqualTo(2 * 7 * MIB);
    try (OnnxModel model = (OnnxModel) cpu.load(cpu.modelSpec(TestModels.pipelineModel("l", large, 3, 1)))) {
      float[][][][] out = run(model, new float[] {0.25f, 0.5f, 0.75f, 1, 2, 3, -1, -2, -3}, new long[] {1, 3, 1, 3});
      assertThat(out[0][0][0]).containsExactly(0.25f, 0.5f, 0.75f);
      assertThat(out[0][2][0]).containsExactly(-1f, -2f, -3f);
    }
  }

  private static float[][][][] run(OnnxModel model, float[] input, long[] shape) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OnnxTensor x = OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(input), shape);
         OrtSession.Result result = model.session().run(Map.of(model.inputName(), x))) {
      return (float[][][][]) result.get(0).getValue();
    }
  }
}

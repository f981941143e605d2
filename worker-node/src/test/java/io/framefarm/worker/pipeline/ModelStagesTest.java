package io.framefarm.worker.pipeline;

import static io.framefarm.worker.pipeline.TestFrames.chroma;
import static io.framefarm.worker.pipeline.TestFrames.luma;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.media.VideoFrame;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.ModelHandle;
import io.framefarm.worker.onnx.OnnxModelLoader;
import io.framefarm.worker.onnx.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model stages against the project's own test models, run by ONNX Runtime on the CPU. */
class ModelStagesTest {

  private static final int RED = 0xff0000;
  private static final int DARK = 0x202020;
  private static final int W = 64;
  private static final int H = 48;

  @TempDir Path dir;

  private final OnnxModelLoader loader = OnnxModelLoader.forDevice(new HostDevice(0, 1L << 30), 1);
  private final List<ModelHandle> handles = new ArrayList<>();

  @AfterEach
  void closeModels() {
    handles.forEach(h -> h.model().close());
  }

  private PipelineRuntime runtime(List<PipelineModel> models, StageSpec... stages) throws Exception {
    for (PipelineModel model : models) {
      var spec = loader.modelSpec(model);
      handles.add(new ModelHandle(spec, loader.load(spec)));
    }
    return PipelineRuntime.create(new PipelineSpec("test", models, List.of(stages)), handles, ChunkContext.millis());
  }

  private PipelineModel invert(int width, int height) {
    Path file = TestModels.invert(dir.resolve("invert-" + width + "x" + height + ".onnx"), width, height);
    return TestModels.pipelineModel("invert", file, width, height);
  }

  private PipelineModel redDetector(int width, int height) {
    return TestModels.pipelineModel("red", TestModels.redDetector(dir.resolve("red.onnx"), width, height, 20), width,
        height);
  }

  private static int[][] twoRedRectangles() {
    int[][] rgb = TestFrames.fill(W, H, DARK);
    TestFrames.rect(rgb, 8, 8, 16, 12, RED);
    TestFrames.rect(rgb, 40, 24, 12, 16, RED);
    return rgb;
  }

  @Test
  void frameModelInvertsAGrayFrameExactly() throws Exception {
    try (PipelineRuntime runtime = runtime(List.of(invert(W, H)), new StageSpec.FrameModel("invert"))) {
      for (int luma = 16; luma <= 235; luma += 73) {
        VideoFrame frame = TestFrames.gray(W, H, luma);
        runtime.apply(frame);
        // BT.601 limited range: Y=v is RGB 255/219 (v-16); inverted, 255 minus that, is Y = 251 - v.
        assertThat(luma(frame, 0, 0)).isEqualTo(251 - luma);
        assertThat(luma(frame, W - 1, H - 1)).isEqualTo(251 - luma);
        assertThat(chroma(frame, 1, 5, 5)).isEqualTo(128);
        assertThat(chroma(frame, 2, 5, 5)).isEqualTo(128);
      }
    }
  }

  @Test
  void frameModelTwiceGivesBackAColourFrameAndReusesItsBuffers() throws Exception {
    // One colour per 2x2 block: 4:2:0 then stores it without loss, so every pixel converts back in gamut.
    Random random = new Random(7);
    int[][] rgb = new int[H][W];
    for (int y = 0; y < H; y += 2) {
      for (int x = 0; x < W; x += 2) {
        TestFrames.rect(rgb, x, y, 2, 2,
            (32 + random.nextInt(192)) << 16 | (32 + random.nextInt(192)) << 8 | (32 + random.nextInt(192)));
      }
    }
    try (PipelineRuntime runtime = runtime(List.of(invert(W, H)), new StageSpec.FrameModel("invert"),
        new StageSpec.FrameModel("invert"))) {
      VideoFrame frame = TestFrames.fromRgb(rgb);
      byte[] before = TestFrames.bytes(frame);
      runtime.apply(frame);
      float[] buffers = runtime.workspace().rgbArray();
      byte[] after = TestFrames.bytes(frame);
      for (int i = 0; i < before.length; i++) {
        assertThat(Math.abs((after[i] & 0xff) - (before[i] & 0xff))).as("sample %d", i).isLessThanOrEqualTo(1);
      }
      runtime.apply(TestFrames.fromRgb(rgb));
      assertThat(runtime.workspace().rgbArray()).isSameAs(buffers);
    }
  }

  @Test
  void detectFindsTheRedRectanglesAtFullAndHalfResolution() throws Exception {
    for (int scale : new int[] {1, 2}) {
      try (PipelineRuntime runtime = runtime(List.of(redDetector(W / scale, H / scale)),
          new StageSpec.Detect("red", 0.5, 0, 16, 0, 10))) {
        VideoFrame frame = TestFrames.fromRgb(twoRedRectangles());
        byte[] before = TestFrames.bytes(frame);

        runtime.apply(frame);

        assertThat(runtime.lastRegions()).extracting(r -> List.of(r.x(), r.y(), r.width(), r.height()))
            .as("at 1/%d resolution", scale)
            .containsExactly(List.of(8, 8, 16, 12), List.of(40, 24, 12, 16)); // equal areas: found order
        assertThat(runtime.lastRegions()).allSatisfy(r -> assertThat(r.score()).isGreaterThan(0.99f));
        assertThat(TestFrames.bytes(frame)).as("detect only reads").isEqualTo(before);
      }
      closeModels();
      handles.clear();
    }
  }

  @Test
  void detectFiltersBySizeKeepsTheLargestAndUnclipGrowsBoxes() throws Exception {
    PipelineModel red = redDetector(W, H);
    try (PipelineRuntime small = runtime(List.of(red), new StageSpec.Detect("red", 0.5, 0, 193, 0, 10));
         PipelineRuntime largest = PipelineRuntime.create(new PipelineSpec("one", List.of(red),
             List.of(new StageSpec.Detect("red", 0.5, 0, 0, 0, 1))), handles, ChunkContext.millis());
         PipelineRuntime unclip = PipelineRuntime.create(new PipelineSpec("grow", List.of(red),
             List.of(new StageSpec.Detect("red", 0.5, 0, 0, 1.0, 10))), handles, ChunkContext.millis())) {
      small.apply(TestFrames.fromRgb(twoRedRectangles()));
      largest.apply(TestFrames.fromRgb(twoRedRectangles()));
      unclip.apply(TestFrames.fromRgb(twoRedRectangles()));

      assertThat(small.lastRegions()).as("both are 192 pixels").isEmpty();
      assertThat(largest.lastRegions()).hasSize(1);
      // 16x12 grows by 1.0 * 192 / 56 = 3.43 on each side.
      assertThat(unclip.lastRegions()).contains(new Region(4, 4, 24, 20, unclip.lastRegions().get(1).score()));
    }
  }

  @Test
  void aMissingHandleOrAnUnknownModelIsRefusedWhenBuilding() throws Exception {
    PipelineSpec spec = new PipelineSpec("p", List.of(invert(W, H)), List.of(new StageSpec.FrameModel("invert")));

    assertThatThrownBy(() -> PipelineRuntime.create(spec, List.of(), ChunkContext.millis()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no handle for model invert");
  }
}

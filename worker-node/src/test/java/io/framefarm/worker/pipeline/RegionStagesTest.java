package io.framefarm.worker.pipeline;

import static io.framefarm.worker.pipeline.TestFrames.chroma;
import static io.framefarm.worker.pipeline.TestFrames.luma;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.media.VideoFrame;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.pipeline.StageSpec.RegionEffect.Effect;
import io.framefarm.protocol.WorkProtocol.ChunkDone;
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

/** Region stages after a detector: edits land inside the regions and nowhere else, bit for bit. */
class RegionStagesTest {

  private static final int W = 64;
  private static final int H = 48;
  private static final int RED = 0xff0000;
  private static final int PINK = 0xff8080;

  @TempDir Path dir;

  private final OnnxModelLoader loader = OnnxModelLoader.forDevice(new HostDevice(0, 1L << 30), 1);
  private final List<ModelHandle> handles = new ArrayList<>();

  @AfterEach
  void closeModels() {
    handles.forEach(h -> h.model().close());
  }

  private PipelineRuntime runtime(StageSpec... stages) throws Exception {
    List<PipelineModel> models = List.of(
        TestModels.pipelineModel("red", TestModels.redDetector(dir.resolve("red.onnx"), W, H, 20), W, H),
        TestModels.pipelineModel("invert", TestModels.invert(dir.resolve("invert.onnx"), 16, 16), 16, 16));
    for (PipelineModel model : models) {
      var spec = loader.modelSpec(model);
      handles.add(new ModelHandle(spec, loader.load(spec)));
    }
    List<StageSpec> all = new ArrayList<>();
    all.add(new StageSpec.Detect("red", 0.5, 0, 16, 0, 10));
    all.addAll(List.of(stages));
    return PipelineRuntime.create(new PipelineSpec("regions", models, all), handles, ChunkContext.millis());
  }

  /** Noise everywhere (so any leak shows), and a 16x12 block of red and pink stripes at (8, 8). */
  private static VideoFrame noiseWithStripedRedBlock() {
    Random random = new Random(3);
    int[][] rgb = new int[H][W];
    for (int[] row : rgb) {
      for (int x = 0; x < W; x++) {
        int v = random.nextInt(100); // grey, so the detector sees no red however chroma is subsampled
        row[x] = v << 16 | v << 8 | (v + random.nextInt(20));
      }
    }
    for (int y = 8; y < 20; y++) {
      for (int x = 8; x < 24; x++) {
        rgb[y][x] = (x / 2) % 2 == 0 ? RED : PINK;
      }
    }
    return TestFrames.fromRgb(rgb);
  }

  private static boolean inside(int x, int y, int x0, int y0, int w, int h) {
    return x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
  }

  /** {@code boxes}: x, y, width, height of each changed rectangle. */
  private static void assertLumaOutsideUnchanged(byte[] before, VideoFrame after, int... boxes) {
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        boolean changed = false;
        for (int b = 0; b < boxes.length; b += 4) {
          changed |= inside(x, y, boxes[b], boxes[b + 1], boxes[b + 2], boxes[b + 3]);
        }
        if (!changed) {
          assertThat(luma(after, x, y)).as("luma at %d,%d", x, y).isEqualTo(before[y * W + x] & 0xff);
        }
      }
    }
  }

  @Test
  void regionModelRunsOnEachRegionAndLeavesTheRestBitExact() throws Exception {
    try (PipelineRuntime runtime = runtime(new StageSpec.RegionModel("invert", 0, 0))) {
      int[][] rgb = TestFrames.fill(W, H, 0x204060);
      TestFrames.rect(rgb, 8, 8, 16, 12, RED);
      TestFrames.rect(rgb, 40, 24, 12, 16, RED);
      VideoFrame frame = TestFrames.fromRgb(rgb);
      byte[] before = TestFrames.bytes(frame);

      runtime.apply(frame);

      // Red inverted is cyan (0, 255, 255): Y 170, U 166, V 16 in BT.601 limited range.
      for (int[] p : new int[][] {{8, 8}, {23, 19}, {15, 13}, {45, 30}}) {
        assertThat(luma(frame, p[0], p[1])).isBetween(169, 171);
        assertThat(chroma(frame, 1, p[0], p[1])).isBetween(165, 167);
        assertThat(chroma(frame, 2, p[0], p[1])).isBetween(15, 17);
      }
      assertLumaOutsideUnchanged(before, frame, 8, 8, 16, 12, 40, 24, 12, 16);
      assertThat(luma(frame, 0, 0)).isEqualTo(before[0] & 0xff);
      assertThat(chroma(frame, 1, 30, 2)).isEqualTo(before[W * H + 15] & 0xff);
    }
  }

  @Test
  void featheredRegionModelFadesTowardsTheEdges() throws Exception {
    try (PipelineRuntime runtime = runtime(new StageSpec.RegionModel("invert", 3, 0))) {
      int[][] rgb = TestFrames.fill(W, H, 0x000000);
      TestFrames.rect(rgb, 8, 8, 16, 12, RED);
      VideoFrame frame = TestFrames.fromRgb(rgb);
      int redLuma = luma(frame, 10, 10);

      runtime.apply(frame);

      // Fully inverted from 3 pixels in; a quarter of the way at the edge.
      assertThat(luma(frame, 15, 13)).isBetween(169, 171);
      assertThat(luma(frame, 8, 13)).isStrictlyBetween(redLuma, 169);
      assertThat(luma(frame, 8, 13)).isLessThan(luma(frame, 9, 13));
      assertThat(luma(frame, 9, 13)).isLessThan(luma(frame, 10, 13));
    }
  }

  @Test
  void blurSmoothsInsideTheRegionsOnlyAndPixelateMakesBlocks() throws Exception {
    try (PipelineRuntime blur = runtime(new StageSpec.RegionEffect(Effect.BLUR, 4, 0));
         PipelineRuntime pixelate = PipelineRuntime.create(new PipelineSpec("px", blur.spec().models(),
             List.of(blur.spec().stages().get(0), new StageSpec.RegionEffect(Effect.PIXELATE, 4, 0))), handles,
             ChunkContext.millis())) {
      VideoFrame blurred = noiseWithStripedRedBlock();
      byte[] before = TestFrames.bytes(blurred);
      VideoFrame blocky = noiseWithStripedRedBlock();

      blur.apply(blurred);
      pixelate.apply(blocky);

      assertThat(blur.lastRegions()).containsExactly(new Region(8, 8, 16, 12, blur.lastRegions().get(0).score()));
      assertLumaOutsideUnchanged(before, blurred, 8, 8, 16, 12);
      for (int i = W * H; i < before.length; i++) {
        int plane = i < W * H + (W / 2) * (H / 2) ? 1 : 2;
        int ci = i - W * H - (plane - 1) * (W / 2) * (H / 2);
        int cx = ci % (W / 2);
        int cy = ci / (W / 2);
        if (!inside(cx, cy, 4, 4, 8, 6)) {
          assertThat(blurred.data().get(i)).as("chroma sample %d", i).isEqualTo(before[i]);
        }
      }
      int stripesBefore = Math.abs((before[13 * W + 10] & 0xff) - (before[13 * W + 12] & 0xff));
      int stripesAfter = Math.abs(luma(blurred, 10, 13) - luma(blurred, 12, 13));
      assertThat(stripesBefore).isGreaterThan(20);
      assertThat(stripesAfter).isLessThan(stripesBefore / 4);
      for (int y = 8; y < 12; y++) {
        for (int x = 8; x < 12; x++) {
          assertThat(luma(blocky, x, y)).isEqualTo(luma(blocky, 8, 8));
        }
      }
      // Each 4x4 block holds two red and two pink columns: its mean lies between the two.
      assertThat(luma(blocky, 8, 8)).isStrictlyBetween(Math.min(before[8 * W + 8] & 0xff, before[8 * W + 10] & 0xff),
          Math.max(before[8 * W + 8] & 0xff, before[8 * W + 10] & 0xff));
    }
  }

  @Test
  void builtInsSeeEarlierModelEdits() throws Exception {
    PipelineModel invert = TestModels.pipelineModel("invert", TestModels.invert(dir.resolve("i.onnx"), W, H), W, H);
    var spec = loader.modelSpec(invert);
    handles.add(new ModelHandle(spec, loader.load(spec)));
    PipelineSpec pipeline = new PipelineSpec("mixed", List.of(invert),
        List.of(new StageSpec.FrameModel("invert"), new StageSpec.BuiltIn("invert"),
            new StageSpec.BuiltIn("grayscale")));

    try (PipelineRuntime runtime = PipelineRuntime.create(pipeline, handles, ChunkContext.millis())) {
      VideoFrame frame = TestFrames.gray(W, H, 100);
      runtime.apply(frame);

      assertThat(luma(frame, 3, 3)).isEqualTo(255 - (251 - 100));
      assertThat(chroma(frame, 1, 3, 3)).isEqualTo(128);
    }
    try (PipelineRuntime builtIn = PipelineRuntime.create(PipelineSpec.builtIn("invert"), List.of(),
        ChunkContext.millis())) {
      VideoFrame frame = TestFrames.gray(W, H, 100);
      builtIn.apply(frame);
      assertThat(luma(frame, 0, 0)).isEqualTo(155);
      assertThat(builtIn.texts()).isEmpty();
    }
  }

  @Test
  void moreTextThanAResultMessageCarriesFailsTheChunkSayingWhatToChange() {
    PipelineRuntime.checkTextFits(3000, ChunkDone.MAX_TEXT_BYTES);

    assertThatThrownBy(() -> PipelineRuntime.checkTextFits(5000, ChunkDone.MAX_TEXT_BYTES + 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("5000 texts take " + (ChunkDone.MAX_TEXT_BYTES + 1) + " bytes")
        .hasMessageContaining("use shorter chunks");
  }
}

package io.framefarm.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.pipeline.PipelineModel.ChannelOrder;
import io.framefarm.pipeline.PipelineModel.Role;
import io.framefarm.pipeline.StageSpec.RegionEffect.Effect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineSpecTest {

  @TempDir Path dir;

  private static final String JSON = """
      {
        "name": "blur-faces",
        "models": [
          { "id": "det", "path": "models/det.onnx", "input": { "width": 64, "height": 32 } },
          { "id": "fix", "path": "/abs/fix.onnx", "sha256": "AB%s", "role": "secondary",
            "input": { "width": 16, "height": 16, "channels": "bgr" },
            "normalization": { "scale": 1.0, "mean": [1, 2, 3], "std": [4, 5, 6] }, "estimatedBytes": 1000 }
        ],
        "stages": [
          { "type": "builtin", "name": "grayscale" },
          { "type": "detect", "model": "det", "threshold": 0.4, "unclipRatio": 1.5 },
          { "type": "region-model", "model": "fix", "feather": 3 },
          { "type": "region-effect", "effect": "pixelate", "strength": 8 },
          { "type": "recognize", "model": "fix", "dictionary": "keys.txt" },
          { "type": "frame-model", "model": "det" }
        ]
      }
      """.formatted("0".repeat(62));

  @Test
  void parsesJsonWithDefaultsAndPathsRelativeToTheFile() throws IOException {
    PipelineSpec spec = PipelineSpec.load(Files.writeString(dir.resolve("p.json"), JSON));

    assertThat(spec.name()).isEqualTo("blur-faces");
    PipelineModel det = spec.modelsById().get("det");
    assertThat(det.path()).isEqualTo(dir.resolve("models/det.onnx"));
    assertThat(det.role()).isEqualTo(Role.PRIMARY);
    assertThat(det.channelOrder()).isEqualTo(ChannelOrder.RGB);
    assertThat(det.normalization()).isEqualTo(PipelineModel.Normalization.DEFAULT);
    assertThat(det.sha256()).isNull();
    PipelineModel fix = spec.modelsById().get("fix");
    assertThat(fix.path()).isEqualTo(Path.of("/abs/fix.onnx"));
    assertThat(fix.sha256()).isEqualTo("ab" + "0".repeat(62));
    assertThat(fix.primary()).isFalse();
    assertThat(fix.estimatedBytes()).isEqualTo(1000);
    assertThat(fix.normalization().mean()).containsExactly(1.0, 2.0, 3.0);
    assertThat(spec.stages()).containsExactly(
        new StageSpec.BuiltIn("grayscale"),
        new StageSpec.Detect("det", 0.4, 0, 16, 1.5, 256),
        new StageSpec.RegionModel("fix", 3, 0),
        new StageSpec.RegionEffect(Effect.PIXELATE, 8, 0),
        new StageSpec.Recognize("fix", dir.resolve("keys.txt"), 0.5),
        new StageSpec.FrameModel("det"));
    assertThat(spec.primaryModels()).containsExactly(det);
    assertThat(spec.secondaryModels()).containsExactly(fix);
  }

  @Test
  void jsonRoundTripGivesTheSameSpec() throws IOException {
    PipelineSpec spec = PipelineSpec.load(Files.writeString(dir.resolve("p.json"), JSON));

    assertThat(PipelineSpec.fromJson(spec.toJson())).isEqualTo(spec);
  }

  @Test
  void readsYaml() throws IOException {
    String yaml = """
        name: invert-it
        models:
          - id: m
            path: m.onnx
            input: {width: 8, height: 8}
        stages:
          - type: frame-model
            model: m
          - {type: builtin, name: invert}
        """;
    PipelineSpec spec = PipelineSpec.load(Files.writeString(dir.resolve("p.yaml"), yaml));

    assertThat(spec.models().get(0).path()).isEqualTo(dir.resolve("m.onnx"));
    assertThat(spec.stages()).containsExactly(new StageSpec.FrameModel("m"), new StageSpec.BuiltIn("invert"));
  }

  @Test
  void builtInNamesArePipelines() {
    assertThat(PipelineSpec.builtIn("grayscale").builtInOnly()).isTrue();
    assertThat(PipelineSpec.fromJson(PipelineSpec.builtIn("identity").toJson()))
        .isEqualTo(PipelineSpec.builtIn("identity"));
  }

  @Test
  void refusesTyposUnknownModelsAndRegionStagesWithoutDetect() throws IOException {
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("a.json"),
        JSON.replace("\"threshold\"", "\"treshold\""))))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("a.json").hasMessageContaining("stages[1]: unknown key 'treshold'");
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("b.json"),
        JSON.replace("\"model\": \"fix\", \"feather\"", "\"model\": \"nix\", \"feather\""))))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("stage 3 (region-model): unknown model 'nix'");
    assertThatThrownBy(() -> new PipelineSpec("p", List.of(), List.of(new StageSpec.RegionEffect(Effect.BLUR, 0, 0))))
        .isInstanceOf(InvalidPipelineException.class).hasMessageContaining("no detect stage comes before it");
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("c.json"),
        JSON.replace("pixelate", "smudge"))))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("stages[3].effect: unknown value 'smudge' (known: blur, pixelate)");
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("d.json"), "{ not json")))
        .isInstanceOf(InvalidPipelineException.class).hasMessageContaining("d.json does not parse");
    assertThatThrownBy(() -> PipelineSpec.load(dir.resolve("missing.json")))
        .isInstanceOf(InvalidPipelineException.class).hasMessageContaining("missing.json does not exist");
  }

  @Test
  void everyStageTypeIsWrittenUnderItsTypeName() throws IOException {
    PipelineSpec spec = PipelineSpec.load(Files.writeString(dir.resolve("p.json"), JSON));

    // The fixture has one stage of each type: a type added to StageSpec and not here fails this test.
    assertThat(spec.stages()).extracting(StageSpec::type).containsExactlyInAnyOrderElementsOf(StageSpec.typeNames());
    assertThat(spec.toJson())
        .contains("{\"type\":\"detect\",\"model\":\"det\",\"threshold\":0.4,\"boxThreshold\":0.0,\"minArea\":16,")
        .contains("{\"type\":\"region-effect\",\"effect\":\"pixelate\",\"strength\":8,\"padding\":0}")
        .contains("\"dictionary\":\"" + dir.resolve("keys.txt") + "\"")
        .doesNotContain("modelId");
  }

  @Test
  void refusesUnknownStageTypesAndValuesOfTheWrongKind() throws IOException {
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("a.json"),
        JSON.replace("\"frame-model\"", "\"sharpen\""))))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("stages[5]: unknown stage type 'sharpen' (known: "
            + String.join(", ", StageSpec.typeNames()) + ")");
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("b.json"),
        JSON.replace("\"feather\": 3", "\"feather\": 2.5"))))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("stages[2].feather must be a whole number, was 2.5");
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("c.json"),
        JSON.replace("\"threshold\": 0.4", "\"threshold\": \"0.4\""))))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("stages[1].threshold must be a number, was \"0.4\"");
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("d.json"),
        JSON.replace("\"threshold\": 0.4", "\"threshold\": 4"))))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("stages[1]: detect threshold must be within [0.0, 1.0], was 4.0");
    assertThatThrownBy(() -> PipelineSpec.load(Files.writeString(dir.resolve("e.json"),
        JSON.replace("\"name\": \"grayscale\"", "\"name\": \"sepia\""))))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("stages[0]: unknown built-in stage 'sepia' (known: identity, invert, grayscale)");
  }

  @Test
  void resolvedDigestsTravelInTheJsonAndFollowTheFilesToAWorkersCopies() throws IOException {
    Path det = Files.writeString(dir.resolve("det.onnx"), "detector");
    Path rec = Files.writeString(dir.resolve("rec.onnx"), "recognizer");
    Path dict = Files.writeString(dir.resolve("keys.txt"), "a\nb\n");
    var norm = PipelineModel.Normalization.DEFAULT;
    var spec = new PipelineSpec("read", List.of(
        new PipelineModel("det", det, null, Role.PRIMARY, 32, 32, ChannelOrder.BGR, norm, 0),
        new PipelineModel("rec", rec, null, Role.SECONDARY, 32, 8, ChannelOrder.BGR, norm, 0)),
        List.of(new StageSpec.Detect("det", 0.3, 0.6, 16, 1.5, 10), new StageSpec.Recognize("rec", dict, 0.5)));

    assertThat(spec.files()).containsExactly(det, rec, dict);
    assertThatThrownBy(() -> spec.digestOf(dict)).isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("names no digest for " + dict);

    PipelineSpec sent = PipelineSpec.fromJson(spec.withDigests(FileDigests::sha256).toJson());
    assertThat(sent.digestOf(dict)).isEqualTo(FileDigests.sha256(dict));
    PipelineSpec local = sent.withFiles(file -> dir.resolve("cache").resolve(sent.digestOf(file)));

    assertThat(local.files()).containsExactly(dir.resolve("cache").resolve(FileDigests.sha256(det)),
        dir.resolve("cache").resolve(FileDigests.sha256(rec)), dir.resolve("cache").resolve(FileDigests.sha256(dict)));
    assertThat(local.digestOf(local.files().get(2))).isEqualTo(FileDigests.sha256(dict));
    assertThat(local.stages().get(1)).isEqualTo(new StageSpec.Recognize("rec", local.files().get(2), 0.5));
    assertThat(local.models().get(0).key()).as("a device knows the model by id and digest")
        .isEqualTo("det@" + FileDigests.sha256(det).substring(0, 12));
    Path other = Files.writeString(dir.resolve("det-v2.onnx"), "another detector");
    var v2 = new PipelineModel("det", other, null, Role.PRIMARY, 32, 32, ChannelOrder.BGR, norm, 0);
    assertThat(v2.withSha256(FileDigests.sha256(other)).key()).as("same id, another file")
        .isNotEqualTo(local.models().get(0).key());
    assertThat(v2.key()).as("unresolved: the id alone").isEqualTo("det");
  }

  @Test
  void aMalformedDigestInTheJsonIsRefused() {
    String json = PipelineSpec.builtIn("invert").toJson().replaceFirst("}$", ",\"files\":{\"/m.onnx\":\"abc\"}}");

    assertThatThrownBy(() -> PipelineSpec.fromJson(json)).isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("the digest of /m.onnx must be 64 lower-case hex digits");
  }
}

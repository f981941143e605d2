package io.framefarm.coordinator.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import io.framefarm.protocol.WorkProtocol.TextBox;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextSidecarsTest {

  @TempDir Path dir;

  @Test
  void chunksTextsMergeInChunkOrderIntoTheDocumentedSidecar() throws Exception {
    Path first = dir.resolve("000000.text.json");
    Path second = dir.resolve("000001.text.json");
    TextSidecars.writeChunk(first, List.of(new RecognizedText(0, 0.0, "FRAME", 0.9f, new TextBox(1, 2, 3, 4))));
    TextSidecars.writeChunk(second, List.of(new RecognizedText(1500, 1.5, "FARM", 0.75f,
        new TextBox(47, 71, 384, 40))));
    Path output = dir.resolve("out.mp4");

    TextSidecars.merge("extract-text", List.of(first, second), TextSidecars.sidecarFor(output));

    JsonNode json = new ObjectMapper().readTree(dir.resolve("out.mp4.text.json").toFile());
    assertThat(json.get("pipeline").asText()).isEqualTo("extract-text");
    assertThat(json.get("texts").findValuesAsText("text")).containsExactly("FRAME", "FARM");
    JsonNode last = json.get("texts").get(1);
    assertThat(last.get("pts").asLong()).isEqualTo(1500);
    assertThat(last.get("timeSeconds").asDouble()).isEqualTo(1.5);
    assertThat(last.get("confidence").asDouble()).isEqualTo(0.75);
    assertThat(last.get("box").get("x").asInt()).isEqualTo(47);
    assertThat(last.get("box").get("width").asInt()).isEqualTo(384);
    assertThat(last.size()).isEqualTo(5);
  }

  @Test
  void aJobThatReadNothingStillHasASidecar() throws Exception {
    Path sidecar = TextSidecars.sidecarFor(dir.resolve("out.mp4"));

    TextSidecars.merge("extract-text", List.of(), sidecar);

    assertThat(new ObjectMapper().readTree(sidecar.toFile()).get("texts")).isEmpty();
  }
}

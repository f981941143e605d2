package io.framefarm.coordinator.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Text found by a pipeline: the texts of each chunk, as its worker reported them, in a file per chunk
 * ({@code {"texts": [...]}}), merged in chunk order into {@code <output>.text.json}
 * ({@code {"pipeline", "texts": [...]}}, each entry with the frame's pts and time, the text, its
 * confidence and its box).
 */
public final class TextSidecars {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TextSidecars() {}

  /** {@code out.mp4} -> {@code out.mp4.text.json}: the one place the sidecar's name is made (coordinator and CLI). */
  public static Path sidecarFor(Path output) {
    return output.resolveSibling(output.getFileName() + ".text.json");
  }

  static void writeChunk(Path file, List<RecognizedText> texts) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode items = root.putArray("texts");
    texts.forEach(t -> items.add(JSON.valueToTree(t)));
    atomicWrite(file, root);
  }

  /** Writes the sidecar even when no chunk read anything: a job that reads text always has one. */
  static void merge(String pipeline, List<Path> chunkFiles, Path output) {
    ObjectNode root = JSON.createObjectNode();
    root.put("pipeline", pipeline);
    ArrayNode texts = root.putArray("texts");
    try {
      for (Path file : chunkFiles) {
        JSON.readTree(file.toFile()).path("texts").forEach(texts::add);
      }
      atomicWrite(output, root);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the text sidecar " + output + " failed", e);
    }
  }

  private static void atomicWrite(Path file, JsonNode json) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), json);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}

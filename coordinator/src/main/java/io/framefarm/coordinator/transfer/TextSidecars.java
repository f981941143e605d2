package io.framefarm.coordinator.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Text found by a pipeline: one JSON sidecar per chunk ({@code {"pipeline", "texts": [...]}}, each
 * entry with the frame's pts and time), merged in chunk order into {@code <output>.text.json}.
 */
final class TextSidecars {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TextSidecars() {}

  static Path sidecarFor(Path output) {
    return output.resolveSibling(output.getFileName() + ".text.json");
  }

  static void writeChunk(Path file, String json) throws IOException {
    JsonNode parsed = JSON.readTree(json);
    if (!parsed.path("texts").isArray()) {
      throw new IOException("text sidecar of " + file.getFileName() + " has no 'texts' array");
    }
    atomicWrite(file, parsed);
  }

  static void merge(List<Path> chunkFiles, Path output) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode texts = JSON.createArrayNode();
    try {
      for (Path file : chunkFiles) {
        JsonNode chunk = JSON.readTree(file.toFile());
        if (!root.has("pipeline")) {
          root.set("pipeline", chunk.path("pipeline"));
        }
        chunk.path("texts").forEach(texts::add);
      }
      root.set("texts", texts);
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

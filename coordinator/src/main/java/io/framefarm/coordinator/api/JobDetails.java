package io.framefarm.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framefarm.coordinator.transfer.TextSidecars;
import io.framefarm.protocol.JobApi.JobStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a text pipeline found, read from a completed job's sidecar ({@code <output>.text.json}): the distinct texts
 * with how often and when they were seen, and the first entries as they are. Blocking file IO: called on the
 * validation pool.
 */
final class JobDetails {
  /** Entries listed as they are; the summary covers all of them. */
  static final int MAX_ENTRIES = 200;
  /** A sidecar larger than this is not read into the coordinator's memory for a page. */
  static final long MAX_SIDECAR_BYTES = 32L << 20;

  private JobDetails() {}

  /** The findings, or empty when the job has no sidecar (its pipeline reads no text, or it did not complete). */
  static Optional<Map<String, Object>> texts(JobStatus job, ObjectMapper json) {
    Path sidecar = TextSidecars.sidecarFor(Path.of(job.request().output()));
    if (!job.state().equals("COMPLETED") || !Files.isRegularFile(sidecar)) {
      return Optional.empty();
    }
    try {
      if (Files.size(sidecar) > MAX_SIDECAR_BYTES) {
        return Optional.of(Map.of("jobId", job.id(), "error", "the text sidecar is larger than "
            + (MAX_SIDECAR_BYTES >> 20) + " MiB: read it from " + sidecar));
      }
      JsonNode texts = json.readTree(sidecar.toFile()).path("texts");
      Map<String, Map<String, Object>> distinct = new LinkedHashMap<>();
      List<JsonNode> first = new ArrayList<>();
      for (JsonNode t : texts) {
        if (first.size() < MAX_ENTRIES) {
          first.add(t);
        }
        String text = t.path("text").asText();
        double at = t.path("timeSeconds").asDouble();
        Map<String, Object> seen = distinct.computeIfAbsent(text, k -> new LinkedHashMap<>(Map.of("text", k,
            "count", 0, "firstSeconds", at, "lastSeconds", at)));
        seen.put("count", (Integer) seen.get("count") + 1);
        seen.put("lastSeconds", at);
      }
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("jobId", job.id());
      answer.put("sidecar", sidecar.toString());
      answer.put("total", texts.size());
      answer.put("distinct", new ArrayList<>(distinct.values()));
      answer.put("texts", first);
      return Optional.of(answer);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the text sidecar of " + job.id(), e);
    }
  }
}

package io.framefarm.coordinator.transfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Where a job's bytes live on the coordinator: {@code <data>/jobs/<job>/segments} and {@code .../chunks}. */
public final class ChunkStore {
  private final Path dataDir;

  public ChunkStore(Path dataDir) {
    this.dataDir = dataDir;
  }

  public Path jobDir(String jobId) {
    return dataDir.resolve("jobs").resolve(jobId);
  }

  /** Input packets of one lease, served to the worker that holds it. */
  public Path segmentFile(String jobId, int chunk, int attempt) {
    return jobDir(jobId).resolve("segments").resolve(String.format("%06d-a%d.nut", chunk, attempt));
  }

  /** A verified chunk result; only ever created by an atomic rename. */
  public Path chunkFile(String jobId, int chunk) {
    return jobDir(jobId).resolve("chunks").resolve(String.format("%06d.nut", chunk));
  }

  /** A chunk's recognized text, when its pipeline reads text. */
  public Path textFile(String jobId, int chunk) {
    return jobDir(jobId).resolve("chunks").resolve(String.format("%06d.text.json", chunk));
  }

  public Path partFile(String jobId, int chunk, int attempt) {
    return jobDir(jobId).resolve("chunks").resolve(String.format("%06d-a%d.part", chunk, attempt));
  }

  public void deleteJob(String jobId) {
    Path dir = jobDir(jobId);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not delete " + dir, e);
    }
  }
}

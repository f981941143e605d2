package io.framefarm.coordinator.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The coordinator's side of uploads outside the HTTP routes: their folders at start, their drain at stop. */
public final class UploadFiles {
  private static final Logger log = LoggerFactory.getLogger(UploadFiles.class);

  private UploadFiles() {}

  /**
   * Creates {@code <data-dir>/uploads} and {@code <data-dir>/outputs} (allowed roots must exist), and deletes
   * partial uploads older than the longest an upload may take: a coordinator killed mid-upload left them, and
   * nothing can still be writing them. Younger ones may belong to another coordinator sharing the data dir.
   */
  public static void prepare(Path dataDir, Duration longestUpload) {
    try {
      for (Path dir : HttpApi.uploadDirs(dataDir)) {
        Files.createDirectories(dir);
      }
      Instant stale = Instant.now().minus(longestUpload);
      try (DirectoryStream<Path> parts = Files.newDirectoryStream(UploadRoutes.uploadsDir(dataDir), "*.part")) {
        for (Path part : parts) {
          if (Files.getLastModifiedTime(part).toInstant().isBefore(stale)) {
            Files.deleteIfExists(part);
            log.info("Deleted {}, an upload that never completed", part);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("preparing the uploads folders in " + dataDir, e);
    }
  }

  /**
   * Closes {@code gate} to new uploads and completes once those under way have finished, or after {@code timeout}:
   * the server then unbinds and ends the rest, whose partial files are deleted.
   */
  public static CompletionStage<Done> drain(UploadGate gate, Duration timeout) {
    int underWay = gate.inFlight();
    log.info("Stopping: new uploads are refused (503); {} under way may finish within {} s", underWay,
        timeout.toSeconds());
    return gate.drain().completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS).thenApply(v -> {
      int left = gate.inFlight();
      if (left == 0) {
        log.info("Uploads drained: none under way");
      } else {
        log.warn("Drain timeout: {} upload(s) still under way are cut off", left);
      }
      return Done.getInstance();
    });
  }
}

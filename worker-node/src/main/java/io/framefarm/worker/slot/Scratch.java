package io.framefarm.worker.slot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A slot's scratch files: chunk inputs and results that live only as long as their lease. */
public final class Scratch {
  private Scratch() {}

  /** Empties {@code dir} (creating it if needed): what a previous run left belongs to long reassigned leases. */
  public static void reset(Path dir) {
    try {
      delete(dir);
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare worker scratch dir " + dir, e);
    }
  }

  /**
   * Empties {@code dir} and writes a file in it, so a node whose scratch space is unusable refuses to start
   * instead of joining the cluster as a worker that fails every chunk.
   *
   * @throws IllegalArgumentException naming the directory and the cause
   */
  public static void prepare(Path dir) {
    try {
      reset(dir);
      Path probe = Files.createTempFile(dir, ".writable-", ".tmp");
      Files.delete(probe);
    } catch (IOException | UncheckedIOException e) {
      Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
      throw new IllegalArgumentException("worker scratch dir " + dir + " is not usable (" + cause.getClass()
          .getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + "); give the node a "
          + "writable --data-dir", e);
    }
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

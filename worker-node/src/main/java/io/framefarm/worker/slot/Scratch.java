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

package io.framefarm.worker.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker node's disk cache of model files (and the other files pipelines read), named by SHA-256, with its own
 * byte budget. Files in use by a chunk are pinned; when a new file needs room, the least recently used unpinned
 * files go first. A file that does not fit beside the pinned ones is refused with the sizes.
 *
 * <p>Written here rather than taken from a caching library: entries are files whose bytes are known only once
 * their transfer starts, pins must hold across a chunk, and eviction must never touch a pinned file, which no
 * general-purpose cache expresses. Recency survives a restart as each file's modification time.
 *
 * <p>Layout: {@code DIR/<sha256>} complete and verified; {@code DIR/<sha256>.part} a transfer in progress, kept
 * across restarts so that it resumes where it stopped.
 */
public final class ModelFileCache {
  private static final Logger log = LoggerFactory.getLogger(ModelFileCache.class);
  private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

  private record Entry(long bytes, int pins) {
    Entry pinned(int delta) {
      return new Entry(bytes, pins + delta);
    }
  }

  /** What the cache holds, for reports and tests. */
  public record Usage(long usedBytes, long maxBytes, int files, int pinned) {}

  private final Path dir;
  private final long maxBytes;
  /** In least recently used first order (access order). Guarded by this. */
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  /** Bytes set aside for transfers in progress, by digest. Guarded by this. */
  private final Map<String, Long> reserved = new HashMap<>();
  private long usedBytes;

  /** Opens (and creates) the cache in {@code dir}, taking in the complete files already there, oldest use first. */
  public ModelFileCache(Path dir, long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("the model cache needs a positive budget, was " + maxBytes);
    }
    this.dir = dir.toAbsolutePath().normalize();
    this.maxBytes = maxBytes;
    try {
      Files.createDirectories(this.dir);
      List<Path> found = new ArrayList<>();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(this.dir)) {
        files.forEach(f -> {
          if (DIGEST.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f)) {
            found.add(f);
          }
        });
      }
      found.sort(Comparator.comparing(ModelFileCache::lastUse));
      for (Path f : found) {
        long bytes = Files.size(f);
        entries.put(f.getFileName().toString(), new Entry(bytes, 0));
        usedBytes += bytes;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the model cache " + this.dir + ": " + e.getMessage(), e);
    }
    log.info("Model cache {}: {} file(s), {} of {} bytes", this.dir, entries.size(), usedBytes, maxBytes);
  }

  public Path dir() {
    return dir;
  }

  /** The cached file with this digest, pinned (and now the most recently used), if the cache has it. */
  public synchronized Optional<Path> pin(String sha256) {
    Entry e = entries.get(sha256);
    if (e == null) {
      return Optional.empty();
    }
    entries.put(sha256, e.pinned(1));
    Path file = file(sha256);
    touch(file);
    return Optional.of(file);
  }

  /** A chunk is done with the file: it may be evicted again. */
  public synchronized void unpin(String sha256) {
    Entry e = entries.get(sha256);
    if (e != null && e.pins() > 0) {
      entries.put(sha256, e.pinned(-1));
    }
  }

  /** Where a transfer of this digest writes until it is complete and verified. */
  public Path partFile(String sha256) {
    return dir.resolve(sha256 + ".part");
  }

  /**
   * Makes room for a file of {@code bytes} about to arrive, evicting least recently used unpinned files.
   *
   * @throws ModelFetchException when it cannot fit beside the pinned files and other transfers
   */
  public synchronized void reserve(String sha256, long bytes) {
    reserved.remove(sha256);
    long others = reserved.values().stream().mapToLong(Long::longValue).sum();
    Iterator<Map.Entry<String, Entry>> lru = entries.entrySet().iterator();
    while (usedBytes + others + bytes > maxBytes && lru.hasNext()) {
      Map.Entry<String, Entry> oldest = lru.next();
      if (oldest.getValue().pins() == 0) {
        lru.remove();
        usedBytes -= oldest.getValue().bytes();
        delete(file(oldest.getKey()));
        log.info("Model cache evicted {} ({} bytes) to make room for {}", oldest.getKey(), oldest.getValue().bytes(),
            sha256);
      }
    }
    if (usedBytes + others + bytes > maxBytes) {
      throw new ModelFetchException("the model cache " + dir + " (" + maxBytes + " bytes) cannot hold " + sha256
          + " (" + bytes + " bytes): " + usedBytes + " bytes are in use by running chunks and " + others
          + " are arriving (raise --model-cache-size)");
    }
    reserved.put(sha256, bytes);
  }

  /** The reservation is no longer needed (the transfer failed). */
  public synchronized void release(String sha256) {
    reserved.remove(sha256);
  }

  /** Moves a complete, verified part file into the cache. */
  public synchronized void admit(String sha256, Path part) {
    Path file = file(sha256);
    try {
      long bytes = Files.size(part);
      Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      reserved.remove(sha256);
      Entry old = entries.put(sha256, new Entry(bytes, 0));
      usedBytes += bytes - (old == null ? 0 : old.bytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + part + " into the model cache: " + e.getMessage(), e);
    }
  }

  public synchronized Usage usage() {
    int pinned = (int) entries.values().stream().filter(e -> e.pins() > 0).count();
    return new Usage(usedBytes, maxBytes, entries.size(), pinned);
  }

  private Path file(String sha256) {
    return dir.resolve(sha256);
  }

  private static FileTime lastUse(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /** Recency for the next start of the node; a failure only loses that. */
  private static void touch(Path file) {
    try {
      Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException e) {
      log.debug("Could not touch {}: {}", file, e.getMessage());
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Could not delete the evicted {}: {}", file, e.getMessage());
    }
  }
}

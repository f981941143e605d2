package io.framefarm.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of files, remembered while a file keeps its size and modification time: a model of a few
 * gigabytes is hashed once, not at every submission that names it and every fetch of it.
 */
public final class FileDigests {
  private record Stamp(long size, long modifiedNanos, Object fileKey) {}

  private record Known(Stamp stamp, String digest) {}

  private final Map<Path, Known> known = new ConcurrentHashMap<>();

  /**
   * The file's digest, computed again only when its size, modification time or inode changed.
   *
   * @throws UncheckedIOException when the file cannot be read
   */
  public String of(Path file) {
    Path key = file.toAbsolutePath().normalize();
    Stamp stamp = stamp(key);
    Known k = known.get(key);
    if (k != null && k.stamp().equals(stamp)) {
      return k.digest();
    }
    String digest = sha256(key);
    known.put(key, new Known(stamp, digest));
    return digest;
  }

  /** SHA-256 of the whole file, as 64 lower-case hex digits. */
  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = newDigest();
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static Stamp stamp(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new Stamp(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.fileKey());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")", e);
    }
  }
}

package io.framefarm.coordinator.api;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a job may read and write on the coordinator's host. Every path is made absolute and normalised, must lie
 * under one of the roots as written, and again once symlinks are followed, so neither {@code ..} nor a link inside
 * a root reaches outside it. A path outside the roots is refused before the file system is asked anything about
 * it, so the answers tell nothing about files there.
 */
public final class PathRules {
  /** Longer paths are refused outright; Linux's PATH_MAX. */
  static final int MAX_PATH = 4096;

  /** The roots as configured, and as real paths: both, so a root reached through a symlink still matches. */
  private final List<Path> written;
  private final List<Path> real;

  private PathRules(List<Path> written, List<Path> real) {
    this.written = written;
    this.real = real;
  }

  /** @param roots directories that exist; the ones that do not are skipped (nothing can lie under them yet) */
  public static PathRules under(List<Path> roots) {
    Set<Path> written = new LinkedHashSet<>();
    Set<Path> real = new LinkedHashSet<>();
    for (Path root : roots) {
      Path absolute = root.toAbsolutePath().normalize();
      try {
        real.add(absolute.toRealPath());
        written.add(absolute);
      } catch (IOException e) {
        // A root that does not exist holds nothing; it is reported by roots() and ignored.
      }
    }
    return new PathRules(List.copyOf(written), List.copyOf(real));
  }

  public List<Path> roots() {
    return written;
  }

  /** An existing regular file under the roots, as its real path. */
  public Path input(String what, String value) {
    Path path = lexical(what, value);
    Path realPath;
    try {
      realPath = path.toRealPath();
    } catch (NoSuchFileException e) {
      throw new InvalidJobException(what + " " + Shown.text(value) + ": no such file");
    } catch (AccessDeniedException e) {
      throw new InvalidJobException(what + " " + Shown.text(value) + ": not readable (permission denied)");
    } catch (IOException e) {
      throw new InvalidJobException(what + " " + Shown.text(value) + ": cannot be resolved");
    }
    checkReal(what, value, realPath);
    if (Files.isDirectory(realPath)) {
      throw new InvalidJobException(what + " " + Shown.text(value) + " is a directory");
    }
    if (!Files.isRegularFile(realPath)) {
      throw new InvalidJobException(what + " " + Shown.text(value)
          + " is not a regular file (a FIFO, socket or device)");
    }
    if (!Files.isReadable(realPath)) {
      throw new InvalidJobException(what + " " + Shown.text(value) + ": not readable (permission denied)");
    }
    return realPath;
  }

  /**
   * Where an output will be written, with its existing directories resolved to real paths. The file itself may
   * exist only when {@code overwrite} is set; it is never {@code input}.
   */
  public Path output(String value, boolean overwrite, Path input) {
    Path path = lexical("output", value);
    Path existing = path;
    List<Path> missing = new ArrayList<>();
    while (existing != null && !Files.exists(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      missing.add(0, existing.getFileName());
      existing = existing.getParent();
    }
    if (existing == null) {
      throw new InvalidJobException("output " + Shown.text(value) + ": no part of the path exists");
    }
    Path existingReal;
    try {
      existingReal = existing.toRealPath();
    } catch (IOException e) {
      // A dangling symlink, or a directory we may not enter.
      throw new InvalidJobException("output " + Shown.text(value) + ": " + existing + " cannot be resolved");
    }
    Path resolved = existingReal;
    for (Path name : missing) {
      resolved = resolved.resolve(name.toString());
    }
    checkReal("output", value, resolved);
    if (missing.isEmpty()) {
      if (Files.isDirectory(resolved)) {
        throw new InvalidJobException("output " + Shown.text(value) + " is a directory");
      }
      if (!Files.isRegularFile(resolved)) {
        throw new InvalidJobException("output " + Shown.text(value) + " exists and is not a regular file");
      }
      if (resolved.equals(input)) {
        throw new InvalidJobException("output " + Shown.text(value) + " would overwrite the input");
      }
      if (!overwrite) {
        throw new InvalidJobException("output " + Shown.text(value) + " already exists (ask to overwrite it: "
            + "\"overwrite\": true, or farm submit --overwrite)");
      }
    } else if (!Files.isDirectory(existingReal)) {
      throw new InvalidJobException("output " + Shown.text(value) + ": " + existing + " is not a directory");
    }
    return resolved;
  }

  /** Absolute, short, no NUL, normalised, and under a root as written. */
  private Path lexical(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidJobException(what + " path is missing");
    }
    if (value.length() > MAX_PATH) {
      throw new InvalidJobException(what + " path is " + value.length() + " characters long (at most " + MAX_PATH
          + ")");
    }
    if (value.indexOf('\0') >= 0) {
      throw new InvalidJobException(what + " path " + Shown.text(value) + " contains a NUL character");
    }
    Path path;
    try {
      path = Path.of(value);
    } catch (InvalidPathException e) {
      throw new InvalidJobException(what + " path " + Shown.text(value) + " is not a valid path");
    }
    if (!path.isAbsolute()) {
      throw new InvalidJobException(what + " path must be absolute: " + Shown.text(value));
    }
    path = path.normalize();
    Path p = path;
    if (written.stream().noneMatch(p::startsWith) && real.stream().noneMatch(p::startsWith)) {
      throw outside(what, value);
    }
    return path;
  }

  /** The same path with symlinks followed must still be under a root. */
  private void checkReal(String what, String value, Path realPath) {
    if (real.stream().noneMatch(realPath::startsWith)) {
      throw new InvalidJobException(what + " " + Shown.text(value) + " leads outside the allowed roots " + written
          + " through a symbolic link");
    }
  }

  private InvalidJobException outside(String what, String value) {
    return new InvalidJobException(what + " " + Shown.text(value) + " is outside the allowed roots " + written
        + " (framefarm.coordinator.allowed-roots, farm up/coordinator --allowed-root)");
  }
}

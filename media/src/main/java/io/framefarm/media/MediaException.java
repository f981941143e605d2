package io.framefarm.media;

import java.nio.file.Path;

/** A media file could not be read, decoded or written. The message is {@code "<file>: <reason>"}. */
public class MediaException extends RuntimeException {
  private final Path file;
  private final String reason;

  public MediaException(Path file, String reason) {
    super(file + ": " + reason);
    this.file = file;
    this.reason = reason;
  }

  public MediaException(Path file, String reason, Throwable cause) {
    super(file + ": " + reason, cause);
    this.file = file;
    this.reason = reason;
  }

  public Path file() {
    return file;
  }

  public String reason() {
    return reason;
  }
}

package io.framefarm.worker.models;

/** A file a pipeline reads could not be had on this worker: the message names the file's digest and the cause. */
public final class ModelFetchException extends RuntimeException {
  public ModelFetchException(String message) {
    super(message);
  }

  public ModelFetchException(String message, Throwable cause) {
    super(message, cause);
  }
}

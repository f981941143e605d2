package io.framefarm.coordinator.api;

/** A submission refused before anything is persisted; the message names the thing and the cause. */
public final class InvalidJobException extends RuntimeException {
  public InvalidJobException(String message) {
    super(message);
  }
}

package io.framefarm.worker.memory;

/** The answer to a request for memory: granted, or refused with the sizes in the reason. */
sealed interface Grant<T> {

  record Granted<T>(T value) implements Grant<T> {}

  /** {@code retryable} is false when the request can never fit this device, true when running chunks hold the room. */
  record Refused<T>(long requestedBytes, String reason, boolean retryable) implements Grant<T> {}
}

package io.framefarm.pipeline;

/**
 * A pipeline that cannot run: it does not parse, names something that is not there, or does not fit
 * any device. The message is meant for the person who submitted the job (a 4xx body, exit code 2):
 * it names the pipeline, the model or file, and the cause, with sizes in bytes.
 */
public final class InvalidPipelineException extends RuntimeException {

  public InvalidPipelineException(String message) {
    super(message);
  }

  public InvalidPipelineException(String message, Throwable cause) {
    super(message, cause);
  }
}

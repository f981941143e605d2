package io.framefarm.cli;

/** The farm command's exit codes. */
final class ExitCodes {
  static final int OK = 0;
  static final int JOB_FAILED = 1;
  static final int BAD_INPUT = 2;
  static final int UNAVAILABLE = 3;

  private ExitCodes() {}
}

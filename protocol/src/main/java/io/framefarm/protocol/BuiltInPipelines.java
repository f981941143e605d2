package io.framefarm.protocol;

import java.util.List;

/**
 * Names of the per-frame pipelines every worker has built in. Shared so that the coordinator can
 * reject an unknown pipeline at submit, before any chunk runs.
 */
public final class BuiltInPipelines {
  /** {@code identity} passes frames through; {@code invert} maps every plane value v to 255 - v; {@code grayscale} sets chroma to 128. */
  public static final List<String> NAMES = List.of("identity", "invert", "grayscale");

  private BuiltInPipelines() {}

  public static boolean isBuiltIn(String name) {
    return NAMES.contains(name);
  }
}

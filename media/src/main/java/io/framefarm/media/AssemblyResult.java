package io.framefarm.media;

import java.nio.file.Path;

/** The assembled file, how many video frames went into it and how many source audio packets were copied. */
public record AssemblyResult(Path output, int videoFrames, long audioPackets) {}

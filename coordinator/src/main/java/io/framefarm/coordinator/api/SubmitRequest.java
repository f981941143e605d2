package io.framefarm.coordinator.api;

/**
 * The JSON body of {@code POST /api/v1/jobs}; absent values take their defaults. {@code overwrite}: the output
 * may replace an existing file.
 */
public record SubmitRequest(String input, String output, String pipeline, Integer chunkFrames, Integer priority,
    Boolean lossless, Integer crf, String preset, Boolean overwrite) {}

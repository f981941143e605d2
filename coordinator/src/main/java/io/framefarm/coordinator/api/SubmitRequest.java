package io.framefarm.coordinator.api;

/** The JSON body of {@code POST /api/v1/jobs}; absent numbers take their defaults. */
public record SubmitRequest(String input, String output, String pipeline, Integer chunkFrames, Integer priority,
    Boolean lossless, Integer crf, String preset) {}

package io.framefarm.worker.pipeline;

/**
 * Text read in one region of one frame.
 *
 * @param pts the frame's presentation timestamp, in the stream's time base
 * @param timeSeconds the same timestamp in seconds
 * @param confidence mean probability of the decoded characters, 0..1
 */
public record RecognizedText(long pts, double timeSeconds, String text, float confidence, Region box) {}

package io.framefarm.protocol;

/**
 * What the coordinator's job manager accepts. Not sealed: the coordinator adds its own local
 * commands (timer ticks, completions of its blocking work) marked NoSerializationVerificationNeeded.
 */
public interface JobManagerCommand {}

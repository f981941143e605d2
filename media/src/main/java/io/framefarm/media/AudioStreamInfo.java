package io.framefarm.media;

/** An audio stream of a file; the assembler copies it unchanged. */
public record AudioStreamInfo(int index, String codec, int sampleRate, int channels) {}

package io.framefarm.media;

import java.nio.file.Path;

public final class SegmentExtractor {
    private SegmentExtractor() {}

    public static ChunkSource extract(MediaInfo info, ChunkRange range, Path out) {
        throw new UnsupportedOperationException("not yet");
    }
}

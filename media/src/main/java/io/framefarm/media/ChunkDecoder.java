package io.framefarm.media;

import java.nio.file.Path;

public final class ChunkDecoder implements AutoCloseable {
    public static ChunkDecoder open(Path segment, ChunkSource source) {
        throw new UnsupportedOperationException("not yet");
    }

    public int width() { return 0; }

    public int height() { return 0; }

    public PixelLayout layout() { return PixelLayout.YUV420P; }

    public boolean read(VideoFrame into) { return false; }

    @Override
    public void close() {}
}

package io.framefarm.media;

import java.nio.file.Path;

public final class ChunkEncoder implements AutoCloseable {
    public static ChunkEncoder open(Path out, int width, int height, PixelLayout layout, int timeBaseNum,
                                    int timeBaseDen, int frameRateNum, int frameRateDen, EncodeSettings settings) {
        throw new UnsupportedOperationException("not yet");
    }

    public void write(VideoFrame frame) {}

    public int framesWritten() { return 0; }

    @Override
    public void close() {}
}

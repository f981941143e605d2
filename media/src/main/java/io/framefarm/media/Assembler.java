package io.framefarm.media;

import java.nio.file.Path;
import java.util.List;

public final class Assembler {
    private Assembler() {}

    public static AssemblyResult assemble(MediaInfo source, List<Path> chunkFiles, Path output) {
        throw new UnsupportedOperationException("not yet");
    }
}

package io.framefarm.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.LocalPipeline;
import io.framefarm.media.testing.TestVideos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Assembly refuses chunk sets that would make a wrong video, and never leaves a partial output behind. */
class AssemblerTest {
  @TempDir
  static Path work;
  private static LocalPipeline.Result job; // 90 frames in chunks of 30

  @TempDir
  Path out;

  @BeforeAll
  static void encodeChunks() {
    job = LocalPipeline.losslessCopy(TestVideos.small(TestVideos.cacheDir()), 30, work.resolve("job"),
        work.resolve("reference.mp4"));
  }

  @Test
  void missingChunkIsAFrameCountMismatch() {
    List<Path> chunks = List.of(job.chunkFiles().get(0), job.chunkFiles().get(1));
    Path output = out.resolve("out.mp4");
    assertThatThrownBy(() -> Assembler.assemble(job.source(), chunks, output))
        .isInstanceOf(MediaException.class)
        .hasMessageContaining("chunks hold 60 video frames, source has 90");
    assertNothingLeftIn(out);
  }

  @Test
  void chunksOutOfOrderAreRefused() {
    List<Path> chunks = List.of(job.chunkFiles().get(1), job.chunkFiles().get(0), job.chunkFiles().get(2));
    assertThatThrownBy(() -> Assembler.assemble(job.source(), chunks, out.resolve("out.mkv")))
        .isInstanceOf(MediaException.class)
        .hasMessageContaining("chunk-0.nut")
        .hasMessageContaining("not after the previous chunk's last dts");
    assertNothingLeftIn(out);
  }

  @Test
  void chunksEncodedDifferentlyAreRefused() {
    Path other = out.resolve("other.nut");
    VideoFrame frame = VideoFrame.allocate(320, 240, PixelLayout.YUV420P);
    try (ChunkDecoder decoder = ChunkDecoder.open(job.segments().get(1),
        new ChunkSource(1, job.source().frames().pts(30), job.source().frames().pts(60), 30));
         ChunkEncoder encoder = ChunkEncoder.open(other, 320, 240, PixelLayout.YUV420P, 1, 15360, 30, 1,
             EncodeSettings.defaults())) {
      while (decoder.read(frame)) {
        encoder.write(frame);
      }
    }
    List<Path> chunks = List.of(job.chunkFiles().get(0), other, job.chunkFiles().get(2));
    assertThatThrownBy(() -> Assembler.assemble(job.source(), chunks, out.resolve("out.mp4")))
        .isInstanceOf(MediaException.class)
        .hasMessageContaining("different codec parameters");
  }

  @Test
  void unknownContainerIsRefused() {
    Path output = out.resolve("out.notacontainer");
    assertThatThrownBy(() -> Assembler.assemble(job.source(), job.chunkFiles(), output))
        .isInstanceOf(MediaException.class)
        .hasMessageStartingWith(output + ": ")
        .hasMessageContaining("no container");
  }

  @Test
  void replacesAnExistingOutputWhole() throws IOException {
    Path output = Files.writeString(out.resolve("out.mp4"), "old contents");
    AssemblyResult result = Assembler.assemble(job.source(), job.chunkFiles(), output);
    assertThat(result.videoFrames()).isEqualTo(90);
    assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(job.source().file()));
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files).containsExactly(output);
    }
  }

  private static void assertNothingLeftIn(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("files left in %s", dir).isEmpty();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}

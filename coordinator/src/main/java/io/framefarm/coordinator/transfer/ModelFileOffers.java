package io.framefarm.coordinator.transfer;

import io.framefarm.pipeline.FileDigests;
import io.framefarm.protocol.ModelProtocol.ModelFileOffer;
import io.framefarm.protocol.ModelProtocol.ModelFileRefused;
import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;

/**
 * Offers a model file to a worker as a stream ref, from an offset, after checking that the file still has the
 * digest the job was accepted with: a model replaced on the coordinator's disk after submission is refused with
 * both digests rather than sent to a worker that would only find the mismatch after the whole transfer.
 */
public final class ModelFileOffers {
  /** Well under Artery's 256 KiB maximum frame: an element larger than that is dropped, and the stream ref fails. */
  private static final int STREAM_CHUNK_BYTES = 64 * 1024;

  private final FileDigests digests;
  private final Materializer materializer;
  private final Executor io;

  /**
   * @param io where files are hashed (a blocking pool)
   * @param digests the node's digests of model files: those the validation computed are not computed again
   */
  public ModelFileOffers(Materializer materializer, Executor io, FileDigests digests) {
    this.digests = digests;
    this.materializer = materializer;
    this.io = io;
  }

  public CompletionStage<ModelFileReply> offer(Path file, String sha256, long offset) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        String actual = digests.of(file);
        if (!actual.equals(sha256)) {
          return new ModelFileRefused(sha256, "the file " + file + " changed since its job was accepted: its SHA-256"
              + " is now " + actual);
        }
        long size = Files.size(file);
        if (offset < 0 || offset > size) {
          return new ModelFileRefused(sha256, "offset " + offset + " is outside the file's " + size + " bytes");
        }
        return new ModelFileOffer(sha256, size, offset,
            FileIO.fromPath(file, STREAM_CHUNK_BYTES, offset).runWith(StreamRefs.<ByteString>sourceRef(),
                materializer));
      } catch (UncheckedIOException | IOException e) {
        return new ModelFileRefused(sha256, "the file " + file + " cannot be read: " + e.getMessage());
      }
    }, io);
  }
}

package io.framefarm.worker.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.pipeline.FileDigests;
import io.framefarm.protocol.ModelProtocol.ModelFileOffer;
import io.framefarm.protocol.ModelProtocol.ModelFileRefused;
import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's side of model transfer over real stream refs: one fetch however many ask, a resumed transfer
 * after a drop, and no file admitted whose digest is not the one asked for.
 */
class ModelFetcherTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Materializer materializer = Materializer.matFromSystem(testKit.system());

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /**
   * Serves one file; the first {@code drops} offers break after {@code dropAfter} bytes, once those bytes are in
   * the fetcher's part file (a failure sent at once may overtake the bytes before it, and then nothing is resumed).
   */
  private final class FileSource implements ModelSource {
    final byte[] bytes;
    final String sha256;
    final List<Long> offsets = new CopyOnWriteArrayList<>();
    volatile int drops;
    volatile int dropAfter;

    FileSource(byte[] bytes) {
      this.bytes = bytes;
      this.sha256 = java.util.HexFormat.of().formatHex(FileDigests.newDigest().digest(bytes));
    }

    @Override
    public CompletionStage<ModelFileReply> fetch(String digest, long offset) {
      offsets.add(offset);
      if (!digest.equals(sha256)) {
        return CompletableFuture.completedFuture(new ModelFileRefused(digest, "not served here"));
      }
      byte[] rest = Arrays.copyOfRange(bytes, (int) offset, bytes.length);
      Source<ByteString, ?> source = Source.from(chunks(rest));
      if (drops > 0) {
        drops--;
        long arrived = offset + dropAfter;
        source = Source.from(chunks(Arrays.copyOf(rest, dropAfter)))
            .concat(Source.completionStage(CompletableFuture.supplyAsync(() -> awaitPart(arrived)))
                .flatMapConcat(n -> Source.<ByteString>failed(new IllegalStateException("connection reset"))));
      }
      return CompletableFuture.completedFuture(new ModelFileOffer(digest, bytes.length, offset,
          source.runWith(StreamRefs.sourceRef(), materializer)));
    }

    private long awaitPart(long bytes) {
      Path part = dir.resolve("cache").resolve(sha256 + ".part");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      try {
        while (!Files.exists(part) || Files.size(part) < bytes) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(part + " never reached " + bytes + " bytes");
          }
          Thread.sleep(5);
        }
        return bytes;
      } catch (java.io.IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }

    private static List<ByteString> chunks(byte[] data) {
      List<ByteString> out = new ArrayList<>();
      for (int i = 0; i < data.length; i += 4096) {
        out.add(ByteString.fromArray(data, i, Math.min(4096, data.length - i)));
      }
      return out;
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private ModelFetcher fetcher(ModelSource source, long cacheBytes) {
    return new ModelFetcher(new ModelFileCache(dir.resolve("cache"), cacheBytes), source, materializer,
        Executors.newCachedThreadPool(), 4, Duration.ofMillis(10));
  }

  private static Path await(CompletionStage<Path> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void manyChunksAskingAtOnceFetchTheFileOnceAndGetTheVerifiedCopy() throws Exception {
    var source = new FileSource(randomBytes(300_000));
    ModelFetcher fetcher = fetcher(source, 10_000_000);

    List<CompletableFuture<Path>> asks = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      asks.add(fetcher.pinned(source.sha256).toCompletableFuture());
    }
    for (CompletableFuture<Path> ask : asks) {
      assertThat(Files.readAllBytes(await(ask))).isEqualTo(source.bytes);
    }
    Path again = await(fetcher.pinned(source.sha256));

    assertThat(source.offsets).as("one transfer, from the start").containsExactly(0L);
    assertThat(fetcher.fetchedFiles()).isEqualTo(1);
    assertThat(again.getFileName().toString()).isEqualTo(source.sha256);
    assertThat(fetcher.cache().usage().pinned()).isEqualTo(1);
  }

  @Test
  void aTransferThatBreaksResumesFromTheBytesAlreadyOnDisk() throws Exception {
    var source = new FileSource(randomBytes(200_000));
    source.drops = 2;
    source.dropAfter = 70_000;
    ModelFetcher fetcher = fetcher(source, 10_000_000);

    Path copy = await(fetcher.pinned(source.sha256));

    assertThat(Files.readAllBytes(copy)).isEqualTo(source.bytes);
    assertThat(source.offsets).as("each attempt starts where the last one broke")
        .containsExactly(0L, 70_000L, 140_000L);
    assertThat(Files.exists(fetcher.cache().partFile(source.sha256))).isFalse();
  }

  @Test
  void aPartFileLeftByAnEarlierRunIsResumedNotFetchedAgain() throws Exception {
    var source = new FileSource(randomBytes(100_000));
    Path cacheDir = Files.createDirectories(dir.resolve("cache"));
    Files.write(cacheDir.resolve(source.sha256 + ".part"), Arrays.copyOf(source.bytes, 60_000));

    Path copy = await(fetcher(source, 10_000_000).pinned(source.sha256));

    assertThat(Files.readAllBytes(copy)).isEqualTo(source.bytes);
    assertThat(source.offsets).containsExactly(60_000L);
  }

  @Test
  void bytesThatDoNotHaveTheDigestAreNeverAdmitted() {
    var source = new FileSource(randomBytes(50_000));
    String wrong = "0".repeat(64);
    ModelSource lying = (digest, offset) -> source.fetch(source.sha256, offset)
        .thenApply(r -> new ModelFileOffer(digest, ((ModelFileOffer) r).size(), offset, ((ModelFileOffer) r).bytes()));
    ModelFetcher fetcher = fetcher(lying, 10_000_000);

    assertThatThrownBy(() -> await(fetcher.pinned(wrong))).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(ModelFetchException.class)
        .hasMessageContaining(wrong).hasMessageContaining("arrived with SHA-256 " + source.sha256);
    assertThat(fetcher.cache().usage().files()).isZero();
    assertThat(Files.exists(fetcher.cache().partFile(wrong))).isFalse();
  }

  @Test
  void aRefusalFailsAtOnceWithTheCoordinatorsReason() {
    var source = new FileSource(randomBytes(1000));
    String unknown = "f".repeat(64);

    assertThatThrownBy(() -> await(fetcher(source, 10_000_000).pinned(unknown)))
        .cause().isInstanceOf(ModelFetchException.class).hasMessageContaining("not served here");
    assertThat(source.offsets).as("a refusal is not retried").hasSize(1);
  }

  @Test
  void aFileLargerThanTheCacheIsRefusedWithTheSizes() {
    var source = new FileSource(randomBytes(50_000));

    assertThatThrownBy(() -> await(fetcher(source, 10_000).pinned(source.sha256)))
        .cause().isInstanceOf(ModelFetchException.class)
        .hasMessageContaining("(10000 bytes) cannot hold").hasMessageContaining("(50000 bytes)");
  }
}

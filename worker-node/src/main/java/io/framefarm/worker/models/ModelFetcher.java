package io.framefarm.worker.models;

import io.framefarm.pipeline.FileDigests;
import io.framefarm.protocol.ModelProtocol.ModelFileOffer;
import io.framefarm.protocol.ModelProtocol.ModelFileRefused;
import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets model files into the node's {@link ModelFileCache}: a file the cache lacks is fetched from the
 * {@link ModelSource} once however many chunks ask for it at the same time, appended to its part file, and
 * admitted only when its SHA-256 is the one asked for. A transfer that breaks resumes from the bytes already
 * on disk (also after a restart of the node), up to {@code attempts} times with a growing pause.
 */
public final class ModelFetcher {
  private static final Logger log = LoggerFactory.getLogger(ModelFetcher.class);

  private final ModelFileCache cache;
  private final ModelSource source;
  private final Materializer materializer;
  private final Executor io;
  private final int attempts;
  private final Duration firstPause;
  /** Transfers in progress by digest, shared by every chunk that waits for the same file. Guarded by this. */
  private final Map<String, CompletableFuture<Void>> inFlight = new HashMap<>();
  private final AtomicLong fetched = new AtomicLong();

  /** @param io a blocking pool: files are hashed and moved there */
  public ModelFetcher(ModelFileCache cache, ModelSource source, Materializer materializer, Executor io, int attempts,
      Duration firstPause) {
    this.cache = cache;
    this.source = source;
    this.materializer = materializer;
    this.io = io;
    this.attempts = attempts;
    this.firstPause = firstPause;
  }

  public ModelFileCache cache() {
    return cache;
  }

  /** Files fetched completely since the node started. */
  public long fetchedFiles() {
    return fetched.get();
  }

  /** The cached file with this digest, pinned for the caller (who unpins it), fetched first if need be. */
  public CompletionStage<Path> pinned(String sha256) {
    CompletableFuture<Void> arriving;
    synchronized (this) {
      var cached = cache.pin(sha256);
      if (cached.isPresent()) {
        return CompletableFuture.completedFuture(cached.get());
      }
      arriving = inFlight.computeIfAbsent(sha256, d -> {
        CompletableFuture<Void> transfer = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> attempt(d, 1, transfer), io);
        return transfer;
      });
    }
    return arriving.thenApply(v -> cache.pin(sha256).orElseThrow(() -> new ModelFetchException(sha256
        + " was evicted from the model cache as soon as it arrived: " + cache.usage()
        + " (raise --model-cache-size)")));
  }

  private void attempt(String sha256, int attempt, CompletableFuture<Void> transfer) {
    Path part = cache.partFile(sha256);
    long offset = sizeOf(part);
    source.fetch(sha256, offset).thenCompose(reply -> receive(sha256, part, offset, reply))
        .whenCompleteAsync((complete, error) -> {
          if (error == null && complete) {
            finish(sha256, part, transfer);
          } else if (error != null && unwrap(error) instanceof ModelFetchException refused) {
            done(sha256, transfer, refused);
          } else if (attempt >= attempts) {
            cache.release(sha256);
            done(sha256, transfer, new ModelFetchException("could not fetch " + sha256 + " after " + attempts
                + " attempts: " + (error == null ? "the transfer ended early" : message(error)), error));
          } else {
            long pause = firstPause.toMillis() << Math.min(attempt - 1, 6);
            log.warn("Fetching {} broke at byte {} (attempt {} of {}): {}; resuming in {} ms", sha256, sizeOf(part),
                attempt, attempts, error == null ? "the transfer ended early" : message(error), pause);
            CompletableFuture.runAsync(() -> attempt(sha256, attempt + 1, transfer),
                CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS, io));
          }
        }, io);
  }

  /** Appends the offered bytes to the part file; true when it then holds the whole file. */
  private CompletionStage<Boolean> receive(String sha256, Path part, long offset, ModelFileReply reply) {
    if (reply instanceof ModelFileRefused refused) {
      throw new ModelFetchException("the coordinator refused " + sha256 + ": " + refused.reason());
    }
    ModelFileOffer offer = (ModelFileOffer) reply;
    if (offer.offset() != offset) {
      throw new IllegalStateException("asked for " + sha256 + " from byte " + offset + ", offered from "
          + offer.offset());
    }
    if (offset > offer.size()) {
      delete(part); // a stale part longer than the file: start over
      throw new IllegalStateException("a partial copy of " + sha256 + " was longer than the file");
    }
    cache.reserve(sha256, offer.size());
    return offer.bytes().getSource()
        .runWith(FileIO.toPath(part, Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)), materializer)
        .thenApply(written -> sizeOf(part) == offer.size());
  }

  private void finish(String sha256, Path part, CompletableFuture<Void> transfer) {
    try {
      String actual = FileDigests.sha256(part);
      if (!actual.equals(sha256)) {
        delete(part);
        cache.release(sha256);
        done(sha256, transfer, new ModelFetchException("the file fetched as " + sha256 + " arrived with SHA-256 "
            + actual + "; it was deleted"));
        return;
      }
      long bytes = sizeOf(part);
      cache.admit(sha256, part);
      fetched.incrementAndGet();
      log.info("Fetched model file {} ({} bytes) into {}", sha256, bytes, cache.dir());
      done(sha256, transfer, null);
    } catch (RuntimeException e) {
      cache.release(sha256);
      done(sha256, transfer, e);
    }
  }

  private void done(String sha256, CompletableFuture<Void> transfer, Throwable error) {
    synchronized (this) {
      inFlight.remove(sha256);
    }
    if (error == null) {
      transfer.complete(null);
    } else {
      transfer.completeExceptionally(error);
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Could not delete {}: {}", file, e.getMessage());
    }
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static String message(Throwable error) {
    Throwable t = unwrap(error);
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}

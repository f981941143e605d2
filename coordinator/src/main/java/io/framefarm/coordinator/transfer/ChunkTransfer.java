package io.framefarm.coordinator.transfer;

import io.framefarm.media.AssemblyResult;
import io.framefarm.media.Assembler;
import io.framefarm.media.ChunkRange;
import io.framefarm.media.ProbeLimits;
import io.framefarm.media.Probe;
import io.framefarm.pipeline.FileDigests;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;

/**
 * The coordinator's side of moving bytes: cuts a chunk's packets out of the source and offers
 * them as a stream ref, pulls a worker's result into the store (atomically, after checking its
 * frame count), and assembles the output. All file and codec work runs on the coordinator's media
 * pool ({@code framefarm.coordinator.media-dispatcher}), never on the job manager's thread; the
 * stream-ref transfers use Pekko Streams' own blocking-IO dispatcher.
 */
public final class ChunkTransfer implements Transfers {
  private static final int STREAM_CHUNK_BYTES = 64 * 1024;
  private static final String MEDIA_DISPATCHER = "framefarm.coordinator.media-dispatcher";

  private final ChunkStore store;
  private final Materializer materializer;
  private final Executor media;
  /** Each job's input, scanned once (from where a chunk can be cut as soon as the scan settled it). */
  private final Map<String, InputScan> scans = new ConcurrentHashMap<>();
  private final ProbeLimits limits;
  private final ScanHandoff handoff;
  private final TransferMeter meter;
  private final ModelFileOffers models;
  private final Duration resultIdleTimeout;

  public ChunkTransfer(ActorSystem<?> system, ChunkStore store) {
    this(system, store, TransferMeter.NONE, ProbeLimits.DEFAULT, new ScanHandoff(), new FileDigests());
  }

  /**
   * A result that delivers no bytes for a lease timeout ({@code framefarm.coordinator.lease-timeout}) fails.
   *
   * @param limits what reading an input may cost: the same as at validation, which may have read only its start
   * @param handoff where the validation on this node leaves the scans it started
   * @param digests the node's digests of model files, which the validation on this node computed first
   */
  public ChunkTransfer(ActorSystem<?> system, ChunkStore store, TransferMeter meter, ProbeLimits limits,
      ScanHandoff handoff, FileDigests digests) {
    this(system, store, meter, limits, handoff, digests,
        system.settings().config().getDuration("framefarm.coordinator.lease-timeout"));
  }

  ChunkTransfer(ActorSystem<?> system, ChunkStore store, TransferMeter meter, ProbeLimits limits,
      ScanHandoff handoff, FileDigests digests, Duration resultIdleTimeout) {
    this.resultIdleTimeout = resultIdleTimeout;
    this.store = store;
    this.limits = limits;
    this.handoff = handoff;
    this.meter = meter;
    this.materializer = Materializer.matFromSystem(system);
    this.media = system.dispatchers().lookup(DispatcherSelector.fromConfig(MEDIA_DISPATCHER));
    this.models = new ModelFileOffers(materializer, media, digests);
  }

  public ChunkStore store() {
    return store;
  }

  @Override
  public void plan(String jobId, String input, int chunkFrames, PlanListener listener) {
    scan(jobId, input).plan(chunkFrames, listener);
  }

  /** Extracts the chunk's input packets, once the input's scan got past them, and offers them to one consumer. */
  @Override
  public CompletionStage<SourceRef<ByteString>> offerSegment(String jobId, String input, int chunk, int attempt,
      PlannedChunk range) {
    InputScan scan = scan(jobId, input);
    return scan.covering(range.end()).thenApplyAsync(info -> {
      Path segment = store.segmentFile(jobId, chunk, attempt);
      createParent(segment);
      scan.extract(info, new ChunkRange(chunk, range.start(), range.end()), segment);
      meter.sent(segment.toFile().length());
      return segment;
    }, media).thenApply(segment -> FileIO.fromPath(segment, STREAM_CHUNK_BYTES)
        .runWith(StreamRefs.<ByteString>sourceRef(), materializer));
  }

  /**
   * Pulls a worker's encoded chunk, checks it holds exactly {@code expectedFrames} frames, and only
   * then renames it into place. Returns the frame count.
   *
   * <p>A lease does not expire while its result is stored, so the pull itself must end: a stream that
   * delivers nothing for the idle timeout fails. Its sender may be gone in a way no death watch reports
   * (a node that downed itself while this one was paused, seen by no heartbeat since).
   */
  public CompletionStage<Integer> receiveResult(String jobId, int chunk, int attempt, SourceRef<ByteString> result,
      int expectedFrames, List<RecognizedText> texts) {
    Path part = store.partFile(jobId, chunk, attempt);
    return CompletableFuture.runAsync(() -> createParent(part), media)
        .thenCompose(v -> result.getSource().idleTimeout(resultIdleTimeout).runWith(FileIO.toPath(part),
            materializer))
        .thenApplyAsync(io -> {
          meter.received(io.count());
          return store(jobId, chunk, attempt, part, expectedFrames, texts);
        }, media);
  }

  private int store(String jobId, int chunk, int attempt, Path part, int expectedFrames, List<RecognizedText> texts) {
    try {
      int frames = Probe.probe(part).frames().frameCount();
      if (frames != expectedFrames) {
        Files.deleteIfExists(part);
        throw new IllegalStateException("result has " + frames + " frames, expected " + expectedFrames);
      }
      if (!texts.isEmpty()) {
        TextSidecars.writeChunk(store.textFile(jobId, chunk), texts);
      }
      Files.move(part, store.chunkFile(jobId, chunk), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(store.segmentFile(jobId, chunk, attempt));
      return frames;
    } catch (IOException e) {
      throw new UncheckedIOException("storing chunk " + chunk + " of " + jobId, e);
    }
  }

  /**
   * Joins the stored chunks in order with the source's audio into {@code output}, and the chunks' texts
   * into its text sidecar when the pipeline reads text.
   */
  public CompletionStage<AssemblyResult> assemble(String jobId, JobRequest request, int chunks,
      PipelinePlan pipeline) {
    return scan(jobId, request.input()).whole().thenApplyAsync(info -> {
      List<Path> files = new ArrayList<>();
      for (int i = 0; i < chunks; i++) {
        files.add(store.chunkFile(jobId, i));
      }
      Path out = Path.of(request.output());
      createParent(out);
      AssemblyResult result = Assembler.assemble(info, files, out, request.overwrite());
      List<Path> texts = new ArrayList<>();
      for (int i = 0; i < chunks; i++) {
        if (Files.exists(store.textFile(jobId, i))) {
          texts.add(store.textFile(jobId, i));
        }
      }
      PipelineSpec spec = PipelineSpec.fromJson(pipeline.json());
      if (spec.readsText()) {
        TextSidecars.merge(spec.name(), texts, TextSidecars.sidecarFor(out));
      }
      return result;
    }, media);
  }

  @Override
  public CompletionStage<ModelFileReply> offerModelFile(Path file, String sha256, long offset) {
    return models.offer(file, sha256, offset);
  }

  /** Forgets a finished job and deletes its working files. */
  public CompletionStage<Void> forget(String jobId) {
    InputScan scan = scans.remove(jobId);
    if (scan != null) {
      scan.cancel();
    }
    return CompletableFuture.runAsync(() -> store.deleteJob(jobId), media);
  }

  /** The job's input scan, started at the first need (after a restart, the first chunk cut or assembly). */
  private InputScan scan(String jobId, String input) {
    return scans.computeIfAbsent(jobId, id -> InputScan.start(Path.of(input), limits, media, handoff));
  }

  private static void createParent(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("Could not create " + file.getParent(), e);
    }
  }
}

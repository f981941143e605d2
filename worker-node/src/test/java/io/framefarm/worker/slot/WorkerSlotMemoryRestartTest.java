package io.framefarm.worker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.framefarm.media.ChunkRange;
import io.framefarm.media.ChunkSource;
import io.framefarm.media.MediaInfo;
import io.framefarm.media.Probe;
import io.framefarm.media.SegmentExtractor;
import io.framefarm.media.testing.TestVideos;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.protocol.WorkProtocol.ChunkAcknowledged;
import io.framefarm.protocol.WorkProtocol.ChunkAttemptFailed;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.RequestWork;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import io.framefarm.protocol.WorkerCommand;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.LeaseSites;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.TrackingLevel;
import io.framefarm.worker.onnx.OnnxModelLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chunk is being processed, its thread waiting for the memory manager's answer, when the manager
 * restarts: the slot fails the chunk at once (the ask would wait two minutes), naming the restart,
 * and asks for work again once the job manager has the failure.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerSlotMemoryRestartTest {
  private static final SlotTiming PATIENT = new SlotTiming(Duration.ofSeconds(30), Duration.ofMillis(200),
      Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofMinutes(2));

  @JUnit5TestKit
  public final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ConfigFactory.parseString("""
      pekko.actor.provider = cluster
      pekko.remote.artery.canonical.hostname = "127.0.0.1"
      pekko.remote.artery.canonical.port = 0
      """)).build();

  @TempDir
  Path work;

  private final ExecutorService chunkPool = Executors.newSingleThreadExecutor();

  @AfterEach
  void stopPool() {
    chunkPool.shutdownNow();
  }

  @Test
  void aMemoryManagerRestartFailsTheChunkBeingProcessedAtOnceAndTheSlotAsksForWorkAgain() {
    TestProbe<JobManagerCommand> jobManager = testKit.createTestProbe();
    TestProbe<MemoryManager.Command> memory = testKit.createTestProbe();
    HostDevice device = new HostDevice(0, 64L << 20);
    ActorRef<WorkerCommand> slot = testKit.spawn(WorkerSlot.create(jobManager.ref(), new WorkerSlot.Settings(
        device.id(), work.resolve("slot"), PATIENT, memory.ref(), LeaseSites.of(TrackingLevel.OFF),
        OnnxModelLoader.forDevice(device, 1), chunkPool, NoModelFiles.in(work.resolve("models"), testKit.system()))));
    ActorRef<MemoryManager.Restarted> watcher = memory.expectMessageClass(MemoryManager.WatchRestarts.class)
        .subscriber();
    RequestWork request = expect(jobManager, RequestWork.class); // the stats ask times out unanswered: no snapshot

    request.worker().tell(wholeVideoAsOneChunk());
    MemoryManager.LeaseBuffers waiting = memory.fishForMessage(Duration.ofSeconds(30), "the chunk's lease request",
        m -> m instanceof MemoryManager.LeaseBuffers ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore())
        .stream().filter(MemoryManager.LeaseBuffers.class::isInstance).map(MemoryManager.LeaseBuffers.class::cast)
        .findFirst().orElseThrow();
    watcher.tell(new MemoryManager.Restarted(device.id(), 1, List.of(waiting.owner())));

    ChunkAttemptFailed failed = jobManager.fishForMessage(Duration.ofSeconds(5), "the failed attempt",
        m -> m instanceof ChunkAttemptFailed ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore())
        .stream().filter(ChunkAttemptFailed.class::isInstance).map(ChunkAttemptFailed.class::cast)
        .findFirst().orElseThrow();
    assertThat(failed.reason()).contains("memory manager for host:0").contains("restarted (restart 1)");
    failed.worker().tell(new ChunkAcknowledged(failed.jobId(), failed.chunk(), failed.attempt(), true, ""));
    assertThat(expect(jobManager, RequestWork.class).slot()).isEqualTo(device.id());
    testKit.stop(slot);
  }

  private AssignChunk wholeVideoAsOneChunk() {
    Path input = TestVideos.small(TestVideos.cacheDir());
    MediaInfo info = Probe.probe(input);
    Path segment = work.resolve("segment.nut");
    ChunkSource source = SegmentExtractor.extract(info, new ChunkRange(0, 0, info.frames().frameCount()), segment);
    var v = info.video();
    return new AssignChunk("job-1", 0, 1, PipelineSpec.builtIn("identity").toJson(), EncodeSpec.defaults(),
        new VideoSpec(v.width(), v.height(), v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(), v.frameRateDen()),
        source.firstPts(), source.endPts(), source.expectedFrames(),
        FileIO.fromPath(segment).runWith(StreamRefs.sourceRef(), Materializer.matFromSystem(testKit.system())), 30_000);
  }

  private static <T extends JobManagerCommand> T expect(TestProbe<JobManagerCommand> probe, Class<T> type) {
    List<JobManagerCommand> seen = probe.fishForMessage(Duration.ofSeconds(10), "a " + type.getSimpleName(),
        message -> type.isInstance(message) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return type.cast(seen.get(seen.size() - 1));
  }
}

package io.framefarm.worker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.framefarm.media.ChunkRange;
import io.framefarm.media.ChunkSource;
import io.framefarm.media.MediaInfo;
import io.framefarm.media.Probe;
import io.framefarm.media.SampleVideo;
import io.framefarm.media.SegmentExtractor;
import io.framefarm.media.testing.TestVideos;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.protocol.DrainProtocol.ChunkHandedBack;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.ChunkAcknowledged;
import io.framefarm.protocol.WorkProtocol.ChunkAttemptFailed;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.protocol.WorkProtocol.ChunkDone;
import io.framefarm.protocol.WorkProtocol.ChunkProgress;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.RequestWork;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import io.framefarm.protocol.WorkerCommand;
import io.framefarm.worker.device.SimulatedDevice;
import io.framefarm.worker.memory.LeaseSites;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.TrackingLevel;
import io.framefarm.worker.onnx.OnnxModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulated device holds each chunk for frames x frame time and returns exactly the chunk's input frames; and a busy
 * slot leases its next chunk ahead (the simulated device makes "busy" last a set time, with no codec in the way).
 */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulatedSlotTest {
  private static final SlotTiming TIMING = new SlotTiming(Duration.ofSeconds(30), Duration.ofSeconds(1),
      Duration.ofMinutes(2), Duration.ofMillis(100), Duration.ofSeconds(5)).withLeaseAhead(true);
  private static final Duration FRAME_TIME = Duration.ofMillis(30);

  @JUnit5TestKit
  public final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ConfigFactory.parseString("""
      pekko.actor.provider = cluster
      pekko.remote.artery.canonical.hostname = "127.0.0.1"
      pekko.remote.artery.canonical.port = 0
      """)).build();

  @TempDir
  Path work;

  private ExecutorService chunkPool;
  private TestProbe<JobManagerCommand> jobManager;
  private ActorRef<MemoryManager.Command> memory;
  private ActorRef<WorkerCommand> slot;

  @BeforeEach
  void startSlot() {
    chunkPool = Executors.newSingleThreadExecutor();
    jobManager = testKit.createTestProbe();
    SimulatedDevice device = new SimulatedDevice(0, 1L << 30, FRAME_TIME);
    TestProbe<MemoryEvent> events = testKit.createTestProbe();
    OnnxModelLoader loader = OnnxModelLoader.forDevice(device, 1);
    memory = testKit.spawn(MemoryManager.create(device, MemoryConfig.defaults(device.kind()), loader, events.ref()));
    slot = testKit.spawn(WorkerSlot.create(jobManager.ref(), new WorkerSlot.Settings(device.id(), work.resolve("slot"),
        TIMING, memory, LeaseSites.of(TrackingLevel.FULL), loader, chunkPool,
        NoModelFiles.in(work.resolve("models"), testKit.system()), FRAME_TIME)));
  }

  @AfterEach
  void stopSlot() {
    testKit.stop(slot);
    testKit.stop(memory);
    chunkPool.shutdownNow();
  }

  @Test
  void aChunkOnAKeyframeHoldsTheDeviceForItsFramesAndComesBackAsItsOwnPackets() throws Exception {
    Path input = TestVideos.cacheDir().resolve("simulated-gop10-160x120-2s.mp4");
    if (!Files.isRegularFile(input)) {
      SampleVideo.generate(input, 2, 160, 120, 30, 10);
    }
    Path segment = work.resolve("segment.nut");
    AssignChunk chunk = chunk(input, new ChunkRange(1, 20, 50), segment);

    Done done = run(chunk);

    assertThat(done.chunk().frames()).isEqualTo(30);
    assertThat(done.elapsedNanos()).as("30 frames of 30 ms").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(900));
    assertThat(Probe.probe(done.result()).frames().frameCount()).isEqualTo(30);
    assertThat(done.progress()).as("frames count up while the device is held, renewing the lease")
        .anyMatch(frames -> frames > 0 && frames < 30);
    assertThat(Files.readAllBytes(done.result())).as("the segment itself: nothing decoded")
        .isEqualTo(Files.readAllBytes(segment));
  }

  @Test
  void aChunkThatStartsBetweenKeyframesIsEncodedAgainToExactlyItsFrames() throws Exception {
    Path input = TestVideos.small(TestVideos.cacheDir()); // B-frames, keyframe every 250
    AssignChunk chunk = chunk(input, new ChunkRange(1, 5, 13), work.resolve("segment.nut"));

    Done done = run(chunk);

    assertThat(done.chunk().frames()).isEqualTo(8);
    assertThat(done.elapsedNanos()).as("8 frames of 30 ms").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(240));
    assertThat(Probe.probe(done.result()).frames().frameCount()).isEqualTo(8);
  }

  @Test
  void aBusySlotReceivesTheChunkItLeasedAheadWhileItWorksAndStartsItWithoutAskingAgain() throws Exception {
    Path input = keyframeEvery10();
    AssignChunk first = chunk(input, new ChunkRange(0, 0, 30), work.resolve("first.nut"));
    AssignChunk second = chunk(input, new ChunkRange(1, 30, 60), work.resolve("second.nut"));
    AssignChunk third = chunk(input, new ChunkRange(2, 10, 20), work.resolve("third.nut"));

    expect(RequestWork.class).worker().tell(first);
    RequestWork ahead = expect(RequestWork.class);
    assertThat(ahead.ahead()).as("asked while the first chunk holds the device").isTrue();
    ahead.worker().tell(second);
    ahead.worker().tell(third);
    List<JobManagerCommand> untilFirstDone = until(ChunkDone.class, 0);
    assertThat(untilFirstDone).as("a third chunk is one too many")
        .anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(ChunkAttemptFailed.class, f -> {
          assertThat(f.chunk()).isEqualTo(2);
          assertThat(f.reason()).contains("is busy with job-1 chunk 0");
        }));
    assertThat(untilFirstDone).as("the chunk ahead reports no frames while it waits, which keeps its lease")
        .anySatisfy(m -> assertThat(m).isEqualTo(new ChunkProgress("job-1", 1, 1, 0)));
    ahead.worker().tell(new ChunkAcknowledged("job-1", 0, 1, true, ""));

    List<JobManagerCommand> untilSecondDone = until(ChunkDone.class, 1);
    assertThat(untilSecondDone).as("taken up from the ack, without an idle request")
        .noneSatisfy(m -> assertThat(m).isInstanceOfSatisfying(RequestWork.class,
            r -> assertThat(r.ahead()).isFalse()));
    assertThat(((ChunkDone) untilSecondDone.get(untilSecondDone.size() - 1)).frames()).isEqualTo(30);
  }

  @Test
  void aDrainingSlotHandsBackItsChunkAheadAtOnceAndFinishesTheOneInHand() throws Exception {
    Path input = keyframeEvery10();
    expect(RequestWork.class).worker().tell(chunk(input, new ChunkRange(0, 0, 30), work.resolve("first.nut")));
    RequestWork ahead = expect(RequestWork.class);
    ahead.worker().tell(chunk(input, new ChunkRange(1, 30, 60), work.resolve("second.nut")));
    TestProbe<WorkerSlot.Drained> drained = testKit.createTestProbe();
    expect(ChunkProgress.class);
    slot.tell(new WorkerSlot.Drain(drained.ref()));

    ChunkHandedBack back = expect(ChunkHandedBack.class);
    assertThat(back.chunk()).isEqualTo(1);
    assertThat(back.reason()).contains("is draining");
    assertThat(((ChunkDone) last(until(ChunkDone.class, 0))).frames()).isEqualTo(30);
    slot.tell(new ChunkAcknowledged("job-1", 0, 1, true, ""));
    assertThat(drained.receiveMessage(Duration.ofSeconds(10)).outcome()).isEqualTo(WorkerSlot.Outcome.FINISHED);
  }

  @Test
  void aChunkAheadWhoseInputFailsIsAFailedAttemptAndTheOneInHandGoesOn() throws Exception {
    Path input = keyframeEvery10();
    AssignChunk first = chunk(input, new ChunkRange(0, 0, 30), work.resolve("first.nut"));
    AssignChunk good = chunk(input, new ChunkRange(1, 30, 60), work.resolve("second.nut"));
    AssignChunk broken = new AssignChunk(good.jobId(), good.chunk(), good.attempt(), good.pipeline(), good.encode(),
        good.video(), good.firstPts(), good.endPts(), good.expectedFrames(),
        Source.<org.apache.pekko.util.ByteString>failed(new IllegalStateException("cut short"))
            .runWith(StreamRefs.sourceRef(), Materializer.matFromSystem(testKit.system())), good.leaseMillis());
    expect(RequestWork.class).worker().tell(first);
    expect(RequestWork.class).worker().tell(broken);

    ChunkAttemptFailed failed = expect(ChunkAttemptFailed.class);
    assertThat(failed.chunk()).isEqualTo(1);
    assertThat(failed.reason()).contains("could not receive input packets").contains("cut short");
    assertThat(((ChunkDone) last(until(ChunkDone.class, 0))).frames()).isEqualTo(30);
  }

  private Path keyframeEvery10() {
    Path input = TestVideos.cacheDir().resolve("simulated-gop10-160x120-2s.mp4");
    if (!Files.isRegularFile(input)) {
      SampleVideo.generate(input, 2, 160, 120, 30, 10);
    }
    return input;
  }

  /** Every message up to and including the {@code type} message for chunk {@code index} (a ChunkDone). */
  private List<JobManagerCommand> until(Class<ChunkDone> type, int index) {
    return jobManager.fishForMessage(Duration.ofSeconds(20), "chunk " + index + "'s " + type.getSimpleName(),
        m -> type.isInstance(m) && type.cast(m).chunk() == index ? FishingOutcomes.complete()
            : FishingOutcomes.continueAndCollect());
  }

  private static JobManagerCommand last(List<JobManagerCommand> messages) {
    return messages.get(messages.size() - 1);
  }

  private record Done(ChunkDone chunk, long elapsedNanos, Path result, List<Integer> progress) {}

  private Done run(AssignChunk chunk) throws Exception {
    RequestWork request = expect(RequestWork.class);
    assertThat(request.snapshot().deviceId()).isEqualTo("sim:0");
    long sent = System.nanoTime();
    request.worker().tell(chunk);
    List<JobManagerCommand> seen = jobManager.fishForMessage(Duration.ofSeconds(20), "the chunk's result",
        message -> message instanceof ChunkDone ? FishingOutcomes.complete() : FishingOutcomes.continueAndCollect());
    long elapsed = System.nanoTime() - sent;
    ChunkDone done = (ChunkDone) seen.get(seen.size() - 1);
    List<Integer> progress = seen.stream().filter(ChunkProgress.class::isInstance)
        .map(m -> ((ChunkProgress) m).framesDone()).toList();
    Path result = work.resolve("result.nut");
    done.result().getSource().runWith(FileIO.toPath(result), Materializer.matFromSystem(testKit.system()))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new Done(done, elapsed, result, progress);
  }

  private AssignChunk chunk(Path input, ChunkRange range, Path segment) {
    MediaInfo info = Probe.probe(input);
    ChunkSource source = SegmentExtractor.extract(info, range, segment);
    var v = info.video();
    return new AssignChunk("job-1", range.index(), 1, PipelineSpec.builtIn("invert").toJson(), EncodeSpec.defaults(),
        new VideoSpec(v.width(), v.height(), v.timeBaseNum(), v.timeBaseDen(), v.frameRateNum(), v.frameRateDen()),
        source.firstPts(), source.endPts(), source.expectedFrames(),
        FileIO.fromPath(segment).runWith(StreamRefs.sourceRef(), Materializer.matFromSystem(testKit.system())), 30_000);
  }

  private <T extends JobManagerCommand> T expect(Class<T> type) {
    List<JobManagerCommand> seen = jobManager.fishForMessage(Duration.ofSeconds(20), "a " + type.getSimpleName(),
        message -> type.isInstance(message) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return type.cast(seen.get(seen.size() - 1));
  }
}

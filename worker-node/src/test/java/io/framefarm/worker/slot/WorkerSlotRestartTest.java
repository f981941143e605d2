package io.framefarm.worker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.protocol.WorkProtocol.ChunkAttemptFailed;
import io.framefarm.protocol.WorkProtocol.ChunkProgress;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.RequestWork;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import io.framefarm.protocol.WorkerCommand;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.LeaseSites;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.MemoryEvent;
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
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A slot that fails gives its chunk back at once and restarts asking for work. */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerSlotRestartTest {
  private static final SlotTiming TIMING = new SlotTiming(Duration.ofSeconds(30), Duration.ofSeconds(1),
      Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofSeconds(5));

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
    HostDevice device = new HostDevice(0, 64L << 20);
    TestProbe<MemoryEvent> events = testKit.createTestProbe();
    memory = testKit.spawn(MemoryManager.create(device, MemoryConfig.defaults(device.kind()),
        OnnxModelLoader.forDevice(device, 1),
        events.ref()));
    slot = testKit.spawn(WorkerSlot.create(jobManager.ref(),
        new WorkerSlot.Settings(device.id(), work, TIMING, memory, LeaseSites.of(TrackingLevel.FULL),
            OnnxModelLoader.forDevice(device, 1), chunkPool,
            NoModelFiles.in(work.resolve("models"), testKit.system()))));
  }

  @AfterEach
  void stopSlot() {
    testKit.stop(slot);
    testKit.stop(memory);
    chunkPool.shutdownNow();
  }

  @Test
  void aSlotThatFailsReturnsItsChunkAsAFailedAttemptAndAsksForWorkAgain() {
    RequestWork request = expect(RequestWork.class);
    request.worker().tell(assignment("job-1", 3, 2));
    expect(ChunkProgress.class); // once a second while the chunk is in hand

    slot.tell(new WorkerSlot.Crash("test"));

    ChunkAttemptFailed failed = expect(ChunkAttemptFailed.class);
    assertThat(List.of(failed.jobId(), failed.chunk(), failed.attempt())).containsExactly("job-1", 3, 2);
    assertThat(failed.reason()).contains("slot host:0").contains("failed and restarted");
    assertThat(expect(RequestWork.class).slot()).as("the restarted slot asks for work").isEqualTo("host:0");
  }

  @Test
  void aSlotThatFailsWhileIdleJustAsksForWorkAgain() {
    expect(RequestWork.class);

    slot.tell(new WorkerSlot.Crash("test"));

    assertThat(expect(RequestWork.class).slot()).isEqualTo("host:0");
    jobManager.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aModelFileTheCoordinatorRefusesFailsTheChunkAtOnceWithWhatAndWhy() {
    var model = new io.framefarm.pipeline.PipelineModel("m", java.nio.file.Path.of("/coordinator/m.onnx"), null,
        io.framefarm.pipeline.PipelineModel.Role.PRIMARY, 8, 8, io.framefarm.pipeline.PipelineModel.ChannelOrder.RGB,
        io.framefarm.pipeline.PipelineModel.Normalization.DEFAULT, 1000);
    String pipeline = new io.framefarm.pipeline.PipelineSpec("enhance", List.of(model),
        List.of(new io.framefarm.pipeline.StageSpec.FrameModel("m"))).withDigests(f -> "ab".repeat(32)).toJson();
    AssignChunk endlessSegment = assignment("job-2", 0, 1);
    RequestWork request = expect(RequestWork.class);

    request.worker().tell(new AssignChunk("job-2", 0, 1, pipeline, endlessSegment.encode(), endlessSegment.video(),
        0, 10, 10, endlessSegment.segment(), 30_000));

    ChunkAttemptFailed failed = expect(ChunkAttemptFailed.class);
    assertThat(failed.reason()).as("without waiting for the segment, which never ends")
        .contains("could not get the pipeline's files").contains("ab".repeat(32))
        .contains("this test serves no model files");
  }

  // A segment that never ends keeps the slot receiving the chunk: in hand, not yet reported.
  private AssignChunk assignment(String jobId, int chunk, int attempt) {
    SourceRef<ByteString> endless = Source.<ByteString>maybe().runWith(StreamRefs.sourceRef(),
        Materializer.matFromSystem(testKit.system()));
    return new AssignChunk(jobId, chunk, attempt, io.framefarm.pipeline.PipelineSpec.builtIn("invert").toJson(),
        EncodeSpec.defaults(), new VideoSpec(320, 240, 1, 30, 30, 1), 0, 10, 10, endless, 30_000);
  }

  private <T extends JobManagerCommand> T expect(Class<T> type) {
    List<JobManagerCommand> seen = jobManager.fishForMessage(Duration.ofSeconds(10), "a " + type.getSimpleName(),
        message -> type.isInstance(message) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return type.cast(seen.get(seen.size() - 1));
  }
}

package io.framefarm.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.pipeline.PipelineModel;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.MemoryManager.AcquireModels;
import io.framefarm.worker.memory.MemoryManager.ModelsAcquired;
import io.framefarm.worker.memory.MemoryManager.ModelsReply;
import io.framefarm.worker.memory.ModelSpec;
import io.framefarm.worker.memory.TrackingLevel;
import io.framefarm.worker.onnx.testing.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Real ONNX Runtime sessions under a memory manager whose budget holds only one of them at a time. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxModelEvictionTest {

  private static final long MIB = 1 << 20;

  private final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path dir;

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aSecondModelEvictsAndClosesTheFirstSession() {
    OnnxModelLoader loader = OnnxModelLoader.forDevice(new HostDevice(0, 1L << 30), 1);
    // Each is estimated at 2 x 8 MiB of weights + 16 MiB of session + a little for its 8x8 input: about 32 MiB.
    PipelineModel a = TestModels.pipelineModel("a", TestModels.weighted(dir.resolve("a.onnx"), 8 * MIB), 8, 8);
    PipelineModel b = TestModels.pipelineModel("b", TestModels.weighted(dir.resolve("b.onnx"), 8 * MIB), 8, 8);
    ModelSpec specA = loader.modelSpec(a);
    ModelSpec specB = loader.modelSpec(b);
    assertThat(specA.estimatedBytes()).isBetween(32 * MIB, 33 * MIB);
    MemoryConfig config = MemoryConfig.defaults(Device.Kind.HOST).withBudgetBytes(50 * MIB)
        .withCleanup(100, Duration.ofSeconds(30)).withTrackingLevel(TrackingLevel.FULL);
    TestProbe<MemoryEvent> events = testKit.createTestProbe();
    ActorRef<MemoryManager.Command> manager = testKit.spawn(
        MemoryManager.create(new HostDevice(1, 1L << 30), config, loader, events.getRef()));
    TestProbe<ModelsReply> replies = testKit.createTestProbe();

    manager.tell(new AcquireModels("chunk-1", List.of(specA), replies.getRef()));
    OnnxModel first = (OnnxModel) replies.expectMessageClass(ModelsAcquired.class).models().get(0).model();
    manager.tell(new MemoryManager.OwnerFinished("chunk-1"));
    manager.tell(new AcquireModels("chunk-2", List.of(specB), replies.getRef()));
    OnnxModel second = (OnnxModel) replies.expectMessageClass(ModelsAcquired.class).models().get(0).model();

    events.fishForMessage(Duration.ofSeconds(5),
        e -> e instanceof MemoryEvent.ModelEvicted evicted && evicted.modelId().equals("a")
            ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    assertThat(first.isClosed()).as("evicting closes the session and its options").isTrue();
    assertThat(second.isClosed()).isFalse();
    assertThat(second.bytes()).isEqualTo(specB.estimatedBytes());

    manager.tell(new MemoryManager.OwnerFinished("chunk-2"));
    testKit.stop(manager);
    assertThat(second.isClosed()).as("a stopping memory manager closes what it loaded").isTrue();
  }
}

package io.framefarm.worker.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.LeaseSites;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.ModelSpec;
import io.framefarm.worker.memory.TrackingLevel;
import io.framefarm.worker.onnx.OnnxModelLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A chunk whose memory was revoked (its manager restarted) fails at once, not after an ask timeout. */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
class ChunkMemoryTest {
  private static final Duration PATIENT = Duration.ofMinutes(2);
  private static final LeaseSites SITES = LeaseSites.of(TrackingLevel.FULL);

  @JUnit5TestKit
  public final ActorTestKit testKit = ActorTestKit.create();

  @Test
  void aRevokedChunkFailsOnItsNextFrameWithTheReason() {
    HostDevice device = new HostDevice(0, 16L << 20);
    TestProbe<MemoryEvent> events = testKit.createTestProbe();
    var manager = testKit.spawn(MemoryManager.create(device, MemoryConfig.defaults(device.kind()),
        OnnxModelLoader.forDevice(device, 1), events.ref()));
    ChunkMemory memory = new ChunkMemory(manager, SITES, testKit.system().scheduler(), "job-1/0/a1", PATIENT);
    memory.frameBuffer(4_096);
    memory.frameDone();

    memory.revoke("memory manager for host:0 restarted");

    assertThatThrownBy(memory::frameDone).isInstanceOf(ChunkMemory.Refused.class)
        .hasMessage("memory manager for host:0 restarted");
    memory.close();
    testKit.stop(manager);
  }

  @Test
  void aRevocationEndsAPendingAskAtOnce() throws Exception {
    TestProbe<MemoryManager.Command> silent = testKit.createTestProbe();
    ChunkMemory memory = new ChunkMemory(silent.ref(), SITES, testKit.system().scheduler(), "job-1/0/a1", PATIENT);
    CompletableFuture<Throwable> asked = CompletableFuture.supplyAsync(() -> {
      try {
        memory.acquireModels(List.of(new ModelSpec("m", Path.of("m.onnx"), 1_000, false)));
        return null;
      } catch (RuntimeException e) {
        return e;
      }
    });
    silent.expectMessageClass(MemoryManager.AcquireModels.class); // the manager got it and will never answer

    memory.revoke("memory manager for host:0 restarted");

    Throwable failure = asked.get(5, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOf(ChunkMemory.Refused.class).hasMessage("memory manager for host:0 restarted");
  }
}

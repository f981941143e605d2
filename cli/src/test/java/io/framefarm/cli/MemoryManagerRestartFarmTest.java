package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import io.framefarm.protocol.MemoryProtocol;
import io.framefarm.protocol.MemoryProtocol.DeviceEvent;
import io.framefarm.protocol.MemoryProtocol.MemoryNotice;
import io.framefarm.worker.memory.MemoryFaults;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.MemoryStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device's memory manager fails in the middle of a job on the embedded farm: it restarts, reports on
 * the memory topic what it took back from the chunk in hand, the chunk fails at once naming the
 * restart and is done again, and the output is frame-exact.
 */
class MemoryManagerRestartFarmTest {
  @TempDir
  Path work;

  @Test
  void aMemoryManagerKilledMidJobRestartsReportsReclaimedLeasesAndTheJobCompletesFrameExact() throws Exception {
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 20);
    Path output = work.resolve("out.mp4");
    try (FarmNode farm = TestFarms.embedded(work.resolve("farm"), 1)) {
      FarmClient client = new FarmClient(farm.apiUrl());
      TestFarms.awaitDevices(client, 1);
      TestProbe<MemoryNotice> notices = TestProbe.create(farm.system());
      ActorRef<Topic.Command<MemoryNotice>> topic = farm.system().systemActorOf(
          Topic.create(MemoryNotice.class, MemoryProtocol.TOPIC), "test-memory-topic", Props.empty());
      topic.tell(Topic.subscribe(notices.ref()));
      ActorRef<MemoryManager.Command> manager = memoryManager(farm, "host:0");

      String id = client.submit(TestFarms.job(input, output, "identity", 60, true));
      Awaitility.await("a chunk in progress").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
          .until(() -> client.job(id).path("framesDone").asInt() > 0);
      DeviceEvent reclaimed = crashUntilALeaseIsReclaimed(manager, notices, farm.system());

      JsonNode job = TestFarms.awaitFinished(client, id, Duration.ofMinutes(8));
      assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("COMPLETED");
      assertThat(reclaimed.deviceId()).isEqualTo("host:0");
      assertThat(reclaimed.subject()).as("the owner: a chunk of the job").startsWith(id + "/");
      assertThat(reclaimed.bytes()).isPositive();
      List<String> failures = new ArrayList<>();
      job.path("attemptFailures").forEach(f -> failures.add(f.asText()));
      // The owner is JOB/CHUNK/aATTEMPT. A chunk that held memory at the restart fails with the reason; one whose
      // frames were all done (its lease not yet returned when the manager crashed) may complete on that attempt.
      String[] owner = reclaimed.subject().split("/");
      int chunk = Integer.parseInt(owner[1]);
      int attempt = Integer.parseInt(owner[2].substring(1));
      boolean failedThere = failures.stream().anyMatch(reason -> reason.startsWith("chunk " + chunk + " attempt "
          + attempt + " ") && reason.contains("memory manager for host:0") && reason.contains("restarted"));
      assertThat(failedThere || job.path("chunkAttempts").get(chunk).asInt() == attempt)
          .as("chunk %d attempt %d either failed with the restart or completed as it was (failures: %s)", chunk,
              attempt, failures).isTrue();
      assertThat(FrameHashes.video(output)).as("decoded frames").hasSize(600).isEqualTo(FrameHashes.video(input));
    }
  }

  // Between two chunks the device holds nothing to reclaim: crash when the manager says a chunk holds its frame
  // buffer, and again if that chunk let go of it in between (its last frame came just then).
  private static DeviceEvent crashUntilALeaseIsReclaimed(ActorRef<MemoryManager.Command> manager,
      TestProbe<MemoryNotice> notices, ActorSystem<?> system) {
    for (int attempt = 1; attempt <= 3; attempt++) {
      Awaitility.await("a chunk holding its frame buffer").atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(10)).until(() -> AskPattern.<MemoryManager.Command, MemoryStats>ask(manager,
              MemoryManager.GetStats::new, Duration.ofSeconds(5), system.scheduler()).toCompletableFuture()
              .get().poolLeasedBytes() > 0);
      manager.tell(MemoryFaults.crash("test, attempt " + attempt));
      Optional<DeviceEvent> reclaimed = reclaimedWithin(notices, Duration.ofSeconds(2));
      if (reclaimed.isPresent()) {
        return reclaimed.get();
      }
    }
    throw new AssertionError("no lease was reclaimed in 3 restarts");
  }

  private static Optional<DeviceEvent> reclaimedWithin(TestProbe<MemoryNotice> notices, Duration wait) {
    try {
      List<MemoryNotice> seen = notices.fishForMessage(wait, "LeasesReclaimed", notice ->
          notice instanceof DeviceEvent e && e.type().equals("LeasesReclaimed") ? FishingOutcomes.complete()
              : FishingOutcomes.continueAndIgnore());
      return Optional.of((DeviceEvent) seen.get(seen.size() - 1));
    } catch (AssertionError timedOut) {
      return Optional.empty();
    }
  }

  private static ActorRef<MemoryManager.Command> memoryManager(FarmNode farm, String deviceId) throws Exception {
    var classic = Adapter.toClassic(farm.system()).actorSelection("/system/worker-node/memory-" + deviceId)
        .resolveOne(Duration.ofSeconds(5)).toCompletableFuture().get();
    return Adapter.toTyped(classic);
  }
}

package io.framefarm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.WorkProtocol.*;
import java.io.NotSerializableException;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FarmSerializerTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Object roundTrip(Object message) throws NotSerializableException {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    Serializer serializer = serialization.findSerializerFor(message);
    assertThat(serializer).isInstanceOf(FarmSerializer.class);
    byte[] bytes = serializer.toBinary(message);
    String manifest = Serializers.manifestFor(serializer, message);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  @Test
  void workMessagesSurviveTheWire() throws Exception {
    TestProbe<WorkerCommand> worker = testKit.createTestProbe();
    var request = new RequestWork(worker.ref(), "node-a:2552", "cpu-0",
        new DeviceSnapshot("host-0", 1_000_000L, 400_000L, List.of("det", "rec")));
    assertThat(roundTrip(request)).isEqualTo(request);

    var progress = new ChunkProgress("job-1", 3, 2, 117);
    assertThat(roundTrip(progress)).isEqualTo(progress);

    var failed = new ChunkAttemptFailed("job-1", 3, 2, "decode failed: corrupt packet", worker.ref());
    assertThat(roundTrip(failed)).isEqualTo(failed);

    var ack = new ChunkAcknowledged("job-1", 3, 2, false, "stale attempt");
    assertThat(roundTrip(ack)).isEqualTo(ack);
  }

  @Test
  void apiMessagesSurviveTheWire() throws Exception {
    TestProbe<SubmitReply> submitter = testKit.createTestProbe();
    var jobRequest = new JobRequest("/in.mp4", "/out.mp4", "invert", 240, 5, new EncodeSpec(0, "ultrafast", true));
    var submit = new SubmitJob(jobRequest, new VideoSpec(1280, 720, 1, 15360, 30, 1),
        List.of(new PlannedChunk(0, 240, 0, 122880), new PlannedChunk(240, 300, 122880, Long.MAX_VALUE)),
        new PipelinePlan("{\"name\":\"invert\"}", 0, List.of()), submitter.ref());
    assertThat(roundTrip(submit)).isEqualTo(submit);
    assertThat(roundTrip(new JobRejected("no video stream"))).isEqualTo(new JobRejected("no video stream"));

    var status = new JobStatus("job-1", jobRequest, "FAILED", 600, 240, 3, 1, 10, 20, 30, "attempts exhausted",
        List.of("chunk 2 attempt 1: lease expired"), List.of("a", "b"), "needs 8 GiB, the largest device has 6 GiB");
    assertThat(roundTrip(status)).isEqualTo(status);
    assertThat(roundTrip(new JobList(List.of(status)))).isEqualTo(new JobList(List.of(status)));
  }

  @Test
  void memoryNoticesSurviveTheWire() throws Exception {
    var report = new MemoryProtocol.DeviceReport("node-a:2552", "cuda-0", "CUDA", 123, 6L << 30, 2L << 30, 4L << 30,
        3L << 30, 1L << 30, 1L << 29, 1L << 28, 1L << 20,
        List.of(new MemoryProtocol.ResidentModel("det", 5_000_000, 120, 1, 0),
            new MemoryProtocol.ResidentModel("rec", 11_000_000, 130, 0, 1)),
        4, 2, 10, 4, 300, 6, 0, "NORMAL", 80L << 30, 70L << 30);
    assertThat(roundTrip(report)).isEqualTo(report);
    var event = new MemoryProtocol.DeviceEvent("node-a:2552", "cuda-0", 124, "ModelEvicted", "rec", 11_000_000,
        "evicted rec (11000000 bytes) to load det");
    assertThat(roundTrip(event)).isEqualTo(event);
  }

  @Test
  void unknownManifestFailsLoudly() {
    var serializer = new FarmSerializer((org.apache.pekko.actor.ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "??"))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("??");
    assertThatThrownBy(() -> serializer.manifest("not a farm message"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String");
  }
}

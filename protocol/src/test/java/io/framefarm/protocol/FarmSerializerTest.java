package io.framefarm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.WorkProtocol.*;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;
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
    var ahead = new RequestWork(worker.ref(), "node-a:2552", "cpu-0", DeviceSnapshot.unknown("host-0"), true);
    assertThat(roundTrip(ahead)).isEqualTo(ahead);
    assertThat(((RequestWork) roundTrip(ahead)).ahead()).isTrue();

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
    var planning = new SubmitJob(jobRequest, submit.video(), submit.chunks().subList(0, 1), submit.pipeline(),
        submitter.ref(), true);
    assertThat(roundTrip(planning)).isEqualTo(planning);
    assertThat(roundTrip(new JobRejected("no video stream"))).isEqualTo(new JobRejected("no video stream"));

    var status = new JobStatus("job-1", jobRequest, "FAILED", 600, 240, 3, 1, 10, 20, 30, "attempts exhausted",
        List.of("chunk 2 attempt 1: lease expired"), List.of("a", "b"), "needs 8 GiB, the largest device has 6 GiB",
        List.of("chunk 1 attempt 1 on a: worker a lost: node left the cluster"), List.of(1, 2, 0));
    assertThat(roundTrip(status)).isEqualTo(status);
    assertThat(roundTrip(new JobList(List.of(status)))).isEqualTo(new JobList(List.of(status)));
    var scanning = new JobStatus("job-2", jobRequest, "RUNNING", 480, 0, 2, 0, 10, 20, 0, null, List.of(),
        List.of("", ""), null, List.of(), List.of(1, 0), true);
    assertThat(roundTrip(scanning)).isEqualTo(scanning);
  }

  @Test
  void memoryNoticesSurviveTheWire() throws Exception {
    var report = new MemoryProtocol.DeviceReport("node-a:2552", "cuda-0", "CUDA", 123, 6L << 30, 2L << 30, 4L << 30,
        3L << 30, 1L << 30, 1L << 29, 1L << 28, 1L << 20,
        List.of(new MemoryProtocol.ResidentModel("det", 5_000_000, 120, 1, 0),
            new MemoryProtocol.ResidentModel("rec", 11_000_000, 130, 0, 1)),
        4, 2, 10, 4, 300, 6, 0, "NORMAL", 80L << 30, 70L << 30, 5L << 30, 4L << 30);
    assertThat(roundTrip(report)).isEqualTo(report);
    var event = new MemoryProtocol.DeviceEvent("node-a:2552", "cuda-0", 124, "ModelEvicted", "rec", 11_000_000,
        "evicted rec (11000000 bytes) to load det");
    assertThat(roundTrip(event)).isEqualTo(event);
  }

  private static SourceRef<ByteString> sourceRef() {
    return Source.single(ByteString.fromString("bytes")).runWith(StreamRefs.sourceRef(),
        Materializer.matFromSystem(testKit.system()));
  }

  /** One of every message; a codec added without a sample here fails {@link #everyCodecRoundTrips}. */
  private static List<FarmMessage> samples() {
    TestProbe<WorkerCommand> worker = testKit.createTestProbe();
    TestProbe<JobReply> client = testKit.createTestProbe();
    TestProbe<JobList> lister = testKit.createTestProbe();
    TestProbe<SubmitReply> submitter = testKit.createTestProbe();
    TestProbe<DowningProtocol.DowningLeaseAnswer> answers = testKit.createTestProbe();
    TestProbe<ModelProtocol.ModelFileReply> modelReplies = testKit.createTestProbe();
    var jobRequest = new JobRequest("/in.mp4", "/out.mp4", "invert", 240, 5, EncodeSpec.defaults());
    var video = new VideoSpec(640, 360, 1, 12800, 25, 1);
    var status = new JobStatus("job-1", jobRequest, "RUNNING", 600, 240, 3, 1, 10, 20, 0, null, List.of(), List.of(),
        null, List.of(), List.of(1));
    return List.of(
        new RequestWork(worker.ref(), "node-a:2552", "cpu-0", DeviceSnapshot.unknown("host-0")),
        new ChunkProgress("job-1", 0, 1, 10),
        new ChunkDone("job-1", 0, 1, 240, sourceRef(), worker.ref(), List.of(
            new RecognizedText(1500, 1.5, "FRAMEFARM", 0.98f, new TextBox(47, 71, 384, 40)),
            new RecognizedText(1533, 1.533, "日本語 2026", 0.61f, new TextBox(0, 0, 1, 1)))),
        new ChunkAttemptFailed("job-1", 0, 1, "lease expired", worker.ref()),
        new AssignChunk("job-1", 0, 1, "{\"name\":\"invert\"}", EncodeSpec.defaults(), video, 0, 122880, 240,
            sourceRef(), 30_000),
        new ChunkAcknowledged("job-1", 0, 1, true, ""),
        new SubmitJob(jobRequest, video, List.of(new PlannedChunk(0, 240, 0, 122880)),
            new PipelinePlan("{}", 1 << 20, List.of("det")), submitter.ref()),
        new JobAccepted("job-1"),
        new JobRejected("no video stream"),
        new GetJob("job-1", client.ref()),
        new CancelJob("job-1", client.ref()),
        new RetryJob("job-1", client.ref()),
        new ListJobs(lister.ref()),
        status,
        new JobNotFound("job-9"),
        new JobList(List.of(status)),
        new MemoryProtocol.DeviceReport("n", "host-0", "HOST", 1, 2, 3, 4, 5, 6, 7, 8, 9, List.of(), 10, 11, 12, 13,
            14, 15, 16, "NORMAL", 17, 18, 19, 20),
        new MemoryProtocol.DeviceEvent("n", "host-0", 1, "LeakDetected", "job-1/0/a1", 4096, "not returned"),
        new DowningProtocol.AcquireDowningLease("farm@10.0.0.7:2552", answers.ref()),
        new DowningProtocol.ReleaseDowningLease("farm@10.0.0.7:2552", answers.ref()),
        new DowningProtocol.DowningLeaseAnswer(true),
        new DrainProtocol.DrainNode("farm drain"),
        new DrainProtocol.WorkerDraining(worker.ref()),
        new DrainProtocol.ChunkHandedBack("job-1", 2, 1, "drain timeout of 60 s reached", worker.ref()),
        new ModelProtocol.FetchModelFile("ab".repeat(32), 1 << 20, "farm@127.0.0.2:2552", modelReplies.ref()),
        new ModelProtocol.ModelFileOffer("ab".repeat(32), 3 << 20, 1 << 20, sourceRef()),
        new ModelProtocol.ModelFileRefused("ab".repeat(32), "no job names it"));
  }

  private static FarmSerializer serializer() {
    return (FarmSerializer) SerializationExtension.get(Adapter.toClassic(testKit.system()))
        .findSerializerFor(new JobAccepted("x"));
  }

  @Test
  void everyCodecRoundTrips() throws Exception {
    List<FarmMessage> samples = samples();
    assertThat(samples).extracting(Object::getClass).containsExactlyInAnyOrderElementsOf(
        serializer().codecs().stream().<Class<?>>map(Codec::type).toList());
    for (FarmMessage message : samples) {
      assertThat(roundTrip(message)).as(message.getClass().getSimpleName()).isEqualTo(message);
    }
  }

  @Test
  void aTextsWireSizeIsExact() throws Exception {
    TestProbe<WorkerCommand> worker = testKit.createTestProbe();
    var texts = List.of(new RecognizedText(1500, 1.5, "FRAMEFARM", 0.98f, new TextBox(47, 71, 384, 40)),
        new RecognizedText(Long.MAX_VALUE, 1e9, "字".repeat(100), 1f, new TextBox(-1, 4000, 4000, 4000)));
    var empty = new ChunkDone("job-1", 0, 1, 240, sourceRef(), worker.ref(), List.of());
    var done = new ChunkDone("job-1", 0, 1, 240, empty.result(), worker.ref(), texts);

    int bytes = serializer().toBinary(done).length - serializer().toBinary(empty).length;

    assertThat(bytes).isEqualTo(texts.stream().mapToInt(RecognizedText::wireBytes).sum());
  }

  @Test
  void everyFarmMessageHasACodec() {
    List<Class<?>> messages = new ArrayList<>();
    Stream.of(WorkProtocol.class, JobApi.class, MemoryProtocol.class, DowningProtocol.class, DrainProtocol.class,
            ModelProtocol.class)
        .flatMap(family -> Arrays.stream(family.getDeclaredClasses()))
        .filter(c -> FarmMessage.class.isAssignableFrom(c) && !c.isInterface())
        .forEach(messages::add);

    assertThat(messages).hasSizeGreaterThan(10).containsExactlyInAnyOrderElementsOf(
        serializer().codecs().stream().<Class<?>>map(Codec::type).toList());
  }

  @Test
  void unknownManifestFailsLoudly() {
    var serializer = new FarmSerializer((ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "??"))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("??");
    assertThatThrownBy(() -> serializer.manifest("not a farm message"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String");
  }
}

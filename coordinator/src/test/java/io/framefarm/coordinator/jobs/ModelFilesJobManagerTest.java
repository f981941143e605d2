package io.framefarm.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.pipeline.FileDigests;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.pipeline.StageSpec;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.ModelProtocol.FetchModelFile;
import io.framefarm.protocol.ModelProtocol.ModelFileOffer;
import io.framefarm.protocol.ModelProtocol.ModelFileRefused;
import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job manager serves model files by digest: only files that a job it holds reads, from the offset asked for,
 * and only while the file still has the digest the job was accepted with.
 */
class ModelFilesJobManagerTest {
  private static final ActorTestKit testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));

  @TempDir
  Path dir;

  private EventSourcedBehaviorTestKit<JobManagerCommand, JobEvent, JobBook> jobManager;
  private final TestProbe<ModelFileReply> worker = testKit.createTestProbe(ModelFileReply.class);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() {
    var history = new JobHistory("jdbc:h2:mem:history-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "",
        Executors.newSingleThreadExecutor());
    history.ensureTable();
    var behavior = JobManager.create(new InstantTransfers(testKit.system()), history,
        JobManagerSettings.of(Duration.ofSeconds(30), 2).withTick(Duration.ofHours(1)));
    jobManager = EventSourcedBehaviorTestKit.create(testKit.system(), behavior,
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyCommands(false));
  }

  /** Submits a job whose pipeline reads {@code model}, resolved as the validator resolves it. */
  private void submitReading(Path model) {
    var spec = new PipelineSpec("enhance", List.of(new PipelineModel("m", model, null, PipelineModel.Role.PRIMARY,
        8, 8, PipelineModel.ChannelOrder.RGB, PipelineModel.Normalization.DEFAULT, 1000)),
        List.of(new StageSpec.FrameModel("m"))).withDigests(FileDigests::sha256);
    var request = new JobRequest("/in.mp4", "/out.mp4", "enhance", 10, 0, EncodeSpec.defaults());
    var reply = jobManager.<SubmitReply>runCommand(replyTo -> new SubmitJob(request, new VideoSpec(8, 8, 1, 30, 30, 1),
        List.of(new PlannedChunk(0, 10, 0, 10)), new PipelinePlan(spec.toJson(), 1000, List.of("m")), replyTo))
        .reply();
    assertThat(reply).isInstanceOf(JobAccepted.class);
  }

  private ModelFileReply fetch(String sha256, long offset) {
    jobManager.runCommand(new FetchModelFile(sha256, offset, "farm@127.0.0.2:2552", worker.getRef()));
    return worker.expectMessageClass(ModelFileReply.class, Duration.ofSeconds(10));
  }

  private static byte[] bytesOf(ModelFileOffer offer) throws Exception {
    return offer.bytes().getSource().runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat),
        Materializer.matFromSystem(testKit.system())).toCompletableFuture().get(10, TimeUnit.SECONDS).toArray();
  }

  @Test
  void aFileAJobReadsIsOfferedByItsDigestFromTheOffsetAskedFor() throws Exception {
    byte[] content = new byte[200_000];
    new java.util.Random(7).nextBytes(content);
    Path model = Files.write(dir.resolve("model.onnx"), content);
    submitReading(model);
    String sha256 = FileDigests.sha256(model);

    var whole = (ModelFileOffer) fetch(sha256, 0);
    var rest = (ModelFileOffer) fetch(sha256, 150_000);

    assertThat(whole.size()).isEqualTo(200_000);
    assertThat(bytesOf(whole)).isEqualTo(content);
    assertThat(rest.offset()).isEqualTo(150_000);
    assertThat(bytesOf(rest)).isEqualTo(java.util.Arrays.copyOfRange(content, 150_000, 200_000));
  }

  @Test
  void aDigestNoJobNamesIsRefusedEvenForAFileThatExists() throws Exception {
    Path model = Files.writeString(dir.resolve("model.onnx"), "weights");
    submitReading(model);
    Path secret = Files.writeString(dir.resolve("secret.txt"), "not a model");

    var refused = (ModelFileRefused) fetch(FileDigests.sha256(secret), 0);

    assertThat(refused.reason()).contains("no job on this coordinator reads a file with SHA-256");
  }

  @Test
  void aModelReplacedAfterSubmissionIsRefusedWithItsNewDigest() throws Exception {
    Path model = Files.writeString(dir.resolve("model.onnx"), "weights v1");
    submitReading(model);
    String accepted = FileDigests.sha256(model);
    Files.writeString(model, "weights v2, longer");

    var refused = (ModelFileRefused) fetch(accepted, 0);

    assertThat(refused.reason()).contains("changed since its job was accepted")
        .contains(FileDigests.sha256(model));
  }
}

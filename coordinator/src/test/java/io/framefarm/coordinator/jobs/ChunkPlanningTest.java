package io.framefarm.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.WorkerCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job accepted with only its first chunks planned (a long input whose scan goes on): its chunks run before the
 * scan ends, the rest are appended as the scan reports them, it is assembled only once all are planned, and a scan
 * that fails late, or disagrees with what was planned, fails it with the reason. The scan is the test's: it reports
 * when the test says, through the listener the job manager gave {@link InstantTransfers}.
 */
class ChunkPlanningTest {
  private static final ActorTestKit testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));
  private static final VideoSpec VIDEO = new VideoSpec(320, 240, 1, 30, 30, 1);

  private final InstantTransfers transfers = new InstantTransfers(testKit.system());
  private final JobHistory history = new JobHistory("jdbc:h2:mem:history-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
      "sa", "", Executors.newSingleThreadExecutor());
  private final TestProbe<WorkerCommand> worker = testKit.createTestProbe(WorkerCommand.class);
  private EventSourcedBehaviorTestKit<JobManagerCommand, JobEvent, JobBook> jobManager;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() {
    history.ensureTable();
    jobManager = start(JobManagerSettings.of(Duration.ofSeconds(30), 2).withTick(Duration.ofHours(1)));
  }

  private EventSourcedBehaviorTestKit<JobManagerCommand, JobEvent, JobBook> start(JobManagerSettings settings) {
    var kit = EventSourcedBehaviorTestKit.<JobManagerCommand, JobEvent, JobBook>create(testKit.system(),
        JobManager.create(transfers, history, settings), EventSourcedBehaviorTestKit.enabledSerializationSettings()
            .withVerifyCommands(false));
    kit.clear();
    return kit;
  }

  /** Chunks of 10 frames, as a scan of a 30 fps file in a 1/30 time base plans them. */
  private static List<PlannedChunk> chunks(int from, int to, int total) {
    List<PlannedChunk> chunks = new ArrayList<>();
    for (int i = from; i < to; i++) {
      chunks.add(new PlannedChunk(i * 10, i * 10 + 10, i * 10L, i == total - 1 ? Long.MAX_VALUE : i * 10L + 10));
    }
    return chunks;
  }

  /** Submits a job whose first {@code first} chunks are planned and whose input is still being read. */
  private String submitPlanning(int first) {
    var request = new JobRequest("/in.mp4", "/out.mp4", "identity", 10, 0, EncodeSpec.defaults());
    var result = jobManager.<SubmitReply>runCommand(replyTo -> new SubmitJob(request, VIDEO, chunks(0, first, -1),
        new PipelinePlan("{}", 0, List.of()), replyTo, true));
    assertThat(result.events()).hasSize(2).last().isEqualTo(new ChunksPlanned(((JobAccepted) result.reply()).jobId(),
        chunks(0, first, -1), 0, true));
    return ((JobAccepted) result.reply()).jobId();
  }

  private AssignChunk lease() {
    var result = jobManager.runCommand(new RequestWork(worker.getRef(), "node", "slot-0",
        new DeviceSnapshot("cpu-0", 1_000_000, 1_000_000, List.of())));
    assertThat(result.events()).singleElement().isInstanceOf(ChunkLeased.class);
    return worker.expectMessageClass(AssignChunk.class);
  }

  private void complete(String id, AssignChunk a) {
    jobManager.runCommand(new ChunkDone(id, a.chunk(), a.attempt(), 10, null, worker.getRef(), List.of()));
    assertThat(worker.expectMessageClass(ChunkAcknowledged.class).accepted()).isTrue();
  }

  private JobStatus status(String id) {
    return (JobStatus) jobManager.<JobReply>runCommand(replyTo -> new GetJob(id, replyTo)).reply();
  }

  private InstantTransfers.Scan scanOf(String id) {
    return transfers.scans.stream().filter(s -> s.jobId().equals(id)).reduce((a, b) -> b).orElseThrow();
  }

  @Test
  void chunksRunBeforeTheScanEndsAndTheJobIsAssembledOnlyOnceEveryChunkIsPlanned() {
    String id = submitPlanning(2);
    assertThat(scanOf(id).chunkFrames()).as("the scan of the rest started with the job").isEqualTo(10);
    JobStatus early = status(id);
    assertThat(early.planning()).isTrue();
    assertThat(early.totalFrames()).as("so far").isEqualTo(20);

    complete(id, lease()); // the scan has reported nothing yet: the first chunk ran all the same
    complete(id, lease());
    assertThat(status(id).state()).as("every chunk planned so far is done, but not every chunk").isEqualTo("RUNNING");
    assertThat(jobManager.runCommand(new RequestWork(worker.getRef(), "node", "slot-0",
        new DeviceSnapshot("cpu-0", 1_000_000, 1_000_000, List.of()))).events()).as("parked: nothing to lease")
        .isEmpty();

    // The scan reports from the first chunk: those planned already are checked, the rest appended.
    var more = jobManager.runCommand(new JobFiles.ChunksScanned(id, 0, chunks(0, 3, -1), false));
    // The parked request is offered the new chunk at once: its ChunkLeased may come in the same batch.
    assertThat(more.events()).first().isEqualTo(new ChunksPlanned(id, chunks(2, 3, -1), 2, true));
    AssignChunk third = worker.expectMessageClass(AssignChunk.class);
    assertThat(third.chunk()).as("the parked request takes the new chunk").isEqualTo(2);
    complete(id, third);
    var last = jobManager.runCommand(new JobFiles.ChunksScanned(id, 3, chunks(3, 4, 4), false));
    assertThat(last.events()).containsExactly(new ChunksPlanned(id, chunks(3, 4, 4), 3, true));
    complete(id, lease());
    var end = jobManager.runCommand(new JobFiles.ChunksScanned(id, 0, chunks(0, 4, 4), true));
    // The assembly that this starts answers at once here: its JobCompleted may come in the same batch.
    assertThat(end.events()).first().isEqualTo(new ChunksPlanned(id, List.of(), 4, false));

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status(id).state().equals("COMPLETED"));
    assertThat(status(id).planning()).isFalse();
    assertThat(status(id).totalFrames()).isEqualTo(40);
  }

  @Test
  void theScansReportsReachTheJobManagerThroughItsListener() {
    String id = submitPlanning(1);
    scanOf(id).listener().planned(0, chunks(0, 3, 3), true);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !status(id).planning());
    assertThat(status(id).chunks()).isEqualTo(3);
  }

  @Test
  void aScanThatFailsLateFailsTheJobWithItsReason() {
    String id = submitPlanning(2);
    AssignChunk running = lease();
    var failed = jobManager.runCommand(new JobFiles.ScanFailed(id,
        "input /in.mp4: truncated or corrupt: video packet 5000 is incomplete"));
    assertThat(failed.events()).singleElement().isInstanceOf(JobFailed.class);
    JobStatus status = status(id);
    assertThat(status.state()).isEqualTo("FAILED");
    assertThat(status.failure()).isEqualTo("input /in.mp4: truncated or corrupt: video packet 5000 is incomplete");
    assertThat(transfers.forgotten).contains(id);

    var late = jobManager.runCommand(new ChunkDone(id, running.chunk(), running.attempt(), 10, null,
        worker.getRef(), List.of()));
    assertThat(late.events()).isEmpty();
    assertThat(worker.expectMessageClass(ChunkAcknowledged.class).accepted()).isFalse();
    assertThat(jobManager.runCommand(new JobFiles.ChunksScanned(id, 0, chunks(0, 3, 3), true)).events())
        .as("a report after the job ended changes nothing").isEmpty();
  }

  @Test
  void aScanThatDisagreesWithThePlanFailsTheJob() {
    String id = submitPlanning(2);
    List<PlannedChunk> other = List.of(new PlannedChunk(0, 10, 0, 10), new PlannedChunk(10, 20, 10, 21));
    var failed = jobManager.runCommand(new JobFiles.ChunksScanned(id, 0, other, false));
    assertThat(failed.events()).singleElement().isInstanceOf(JobFailed.class);
    assertThat(status(id).failure()).contains("changed while it was read").contains("chunk 1");

    String shorter = submitPlanning(2);
    var fewer = jobManager.runCommand(new JobFiles.ChunksScanned(shorter, 0, chunks(0, 1, -1), true));
    assertThat(fewer.events()).singleElement().isInstanceOf(JobFailed.class);
    assertThat(status(shorter).failure()).contains("it has 1 chunks, 2 were planned");
  }

  @Test
  void afterARestartTheScanStartsAgainAndOnlyWhatTheJournalLacksIsAppended() {
    jobManager = start(JobManagerSettings.of(Duration.ofSeconds(30), 2).withTick(Duration.ofHours(1))
        .withSnapshotEvery(3));
    String id = submitPlanning(2);
    complete(id, lease());
    jobManager.runCommand(new JobFiles.ChunksScanned(id, 0, chunks(0, 3, -1), false));
    int scansBefore = transfers.scans.size();

    JobBook recovered = jobManager.restart().state();
    Job job = recovered.job(id).orElseThrow();
    assertThat(job.planning()).isTrue();
    assertThat(job.chunks()).hasSize(3);
    assertThat(JobBookSnapshots.fromProto(JobBookSnapshots.toProto(recovered))).as("a snapshot keeps it")
        .isEqualTo(recovered);
    assertThat(transfers.scans).as("recovery scans the input again").hasSize(scansBefore + 1);

    var end = jobManager.runCommand(new JobFiles.ChunksScanned(id, 0, chunks(0, 5, 5), true));
    assertThat(end.events()).containsExactly(new ChunksPlanned(id, chunks(3, 5, 5), 3, false));
    Job planned = jobManager.getState().job(id).orElseThrow();
    assertThat(planned.chunks().get(0).state()).as("done before the restart, not redone")
        .isEqualTo(Job.ChunkState.DONE);
    assertThat(planned.chunks().stream().map(Job.Chunk::range).toList()).isEqualTo(chunks(0, 5, 5));
  }
}

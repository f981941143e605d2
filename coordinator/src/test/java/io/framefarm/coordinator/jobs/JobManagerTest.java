package io.framefarm.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.WorkerCommand;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The job manager alone: an in-memory journal, a real history table (H2 in memory), a clock the test moves. */
class JobManagerTest {
  private static final ActorTestKit testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));
  private static final VideoSpec VIDEO = new VideoSpec(320, 240, 1, 30, 30, 1);

  /** A clock that moves only when the test says. */
  private static final class TestClock extends Clock {
    final AtomicLong millis = new AtomicLong(1_000_000);

    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return Instant.ofEpochMilli(millis.get()); }

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }
  }

  private final TestClock clock = new TestClock();
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
    jobManager = start(JobManagerSettings.of(Duration.ofSeconds(30), 2).withRetention(100, Duration.ofHours(1)));
  }

  private EventSourcedBehaviorTestKit<JobManagerCommand, JobEvent, JobBook> start(JobManagerSettings settings) {
    // A tick far off: the test sends Tick itself, after moving the clock.
    var behavior = JobManager.create(transfers, history, settings.withTick(Duration.ofHours(1)), clock);
    var kit = EventSourcedBehaviorTestKit.<JobManagerCommand, JobEvent, JobBook>create(testKit.system(), behavior,
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyCommands(false));
    kit.clear();
    return kit;
  }

  private String submit(int chunks) {
    List<PlannedChunk> planned = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      planned.add(new PlannedChunk(i * 10, i * 10 + 10, i * 10L, i * 10L + 10));
    }
    var request = new JobRequest("/in.mp4", "/out.mp4", "identity", 10, 0, EncodeSpec.defaults());
    var result = jobManager.<SubmitReply>runCommand(replyTo -> new SubmitJob(request, VIDEO, planned,
        new PipelinePlan("{}", 0, List.of()), replyTo));
    assertThat(result.events()).hasSize(2).first().isInstanceOf(JobSubmitted.class);
    return ((JobAccepted) result.reply()).jobId();
  }

  private static final DeviceSnapshot SNAPSHOT = new DeviceSnapshot("cpu-0", 1_000_000, 1_000_000, List.of());

  /** A request for work from the probe's slot: an idle one, or a busy one asking {@code ahead}. */
  private RequestWork request(boolean ahead) {
    return new RequestWork(worker.getRef(), "node", "slot-0", SNAPSHOT, ahead);
  }

  /** Asks for work as the probe's slot; returns the assignment the probe receives. */
  private AssignChunk lease() {
    var result = jobManager.runCommand(request(false));
    assertThat(result.events()).singleElement().isInstanceOf(ChunkLeased.class);
    return worker.expectMessageClass(AssignChunk.class);
  }

  private JobStatus status(String id) {
    return (JobStatus) jobManager.<JobReply>runCommand(replyTo -> new GetJob(id, replyTo)).reply();
  }

  @Test
  void aJobRunsFromSubmitThroughLeaseProgressAndCompletionToAssembly() {
    String id = submit(2);
    AssignChunk first = lease();
    assertThat(first.attempt()).isEqualTo(1);
    jobManager.runCommand(new ChunkProgress(id, first.chunk(), 1, 7));
    assertThat(status(id).framesDone()).as("progress counts before the chunk is done").isEqualTo(7);

    jobManager.runCommand(new ChunkDone(id, first.chunk(), 1, 10, null, worker.getRef(), List.of()));
    assertThat(worker.expectMessageClass(ChunkAcknowledged.class).accepted()).isTrue();
    AssignChunk second = lease();
    jobManager.runCommand(new ChunkDone(id, second.chunk(), 1, 10, null, worker.getRef(), List.of()));
    worker.expectMessageClass(ChunkAcknowledged.class);

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status(id).state().equals("COMPLETED"));
    assertThat(status(id).framesDone()).isEqualTo(20);
    assertThat(transfers.forgotten).contains(id);
  }

  @Test
  void anExpiredLeaseGoesBackToPendingAndItsLateResultIsFenced() {
    String id = submit(1);
    AssignChunk first = lease();
    clock.advance(Duration.ofSeconds(31));

    var expired = jobManager.runCommand(JobManager.Tick.INSTANCE);
    assertThat(expired.events()).singleElement().isEqualTo(new ChunkFailed(id, 0, 1,
        "lease expired after 30 s without progress"));

    AssignChunk retry = lease();
    assertThat(retry.attempt()).isEqualTo(2);
    var late = jobManager.runCommand(new ChunkDone(id, 0, first.attempt(), 10, null, worker.getRef(), List.of()));
    assertThat(late.events()).isEmpty();
    ChunkAcknowledged ack = worker.expectMessageClass(ChunkAcknowledged.class);
    assertThat(ack.accepted()).isFalse();
    assertThat(ack.reason()).contains("stale result");
  }

  @Test
  void progressKeepsALeaseAlive() {
    String id = submit(1);
    lease();
    clock.advance(Duration.ofSeconds(20));
    jobManager.runCommand(new ChunkProgress(id, 0, 1, 3));
    clock.advance(Duration.ofSeconds(20));
    assertThat(jobManager.runCommand(JobManager.Tick.INSTANCE).events()).isEmpty();
  }

  @Test
  void aChunkThatFailsMaxAttemptsTimesFailsItsJobWithEveryReason() {
    String id = submit(2);
    lease();
    jobManager.runCommand(new ChunkAttemptFailed(id, 0, 1, "decoder exploded", worker.getRef()));
    worker.expectMessageClass(ChunkAcknowledged.class);
    AssignChunk retry = lease();
    assertThat(retry.chunk()).as("alone, the worker retries the chunk it failed").isZero();
    var last = jobManager.runCommand(new ChunkAttemptFailed(id, 0, 2, "decoder exploded again", worker.getRef()));

    assertThat(last.events()).hasSize(2).last().isInstanceOf(JobFailed.class);
    JobStatus status = status(id);
    assertThat(status.state()).isEqualTo("FAILED");
    assertThat(status.attemptFailures()).hasSize(2).allMatch(r -> r.contains("decoder exploded"));
    assertThat(status.failure()).contains("chunk 0 failed 2 times");
  }

  /** The probe's slot fails the chunk it gets, three times: it is then blocked from the job. */
  private void failThreeTimes(String id) {
    for (int attempt = 1; attempt <= 3; attempt++) {
      AssignChunk a = lease();
      jobManager.runCommand(new ChunkAttemptFailed(id, a.chunk(), a.attempt(), "model missing here " + attempt,
          worker.getRef()));
      worker.expectMessageClass(ChunkAcknowledged.class);
    }
  }

  @Test
  void aJobThatEveryCurrentWorkerIsBlockedFromFailsWithEveryReason() {
    jobManager = start(JobManagerSettings.of(Duration.ofSeconds(30), 10));
    String id = submit(3);
    failThreeTimes(id);
    var again = jobManager.runCommand(request(false));
    assertThat(again.events()).as("a blocked worker gets none of the job's chunks").isEmpty();

    var tick = jobManager.runCommand(JobManager.Tick.INSTANCE);
    assertThat(tick.events()).singleElement().isInstanceOf(JobFailed.class);
    JobStatus status = status(id);
    assertThat(status.state()).isEqualTo("FAILED");
    assertThat(status.failure()).contains("every current worker is blocked").contains("failed 3 attempts")
        .contains("wait-for-new-workers");
    assertThat(status.attemptFailures()).hasSize(3).allMatch(r -> r.contains("model missing here"));
  }

  @Test
  void configuredToWaitABlockedJobWaitsForNewWorkersAndSaysSo() {
    jobManager = start(JobManagerSettings.of(Duration.ofSeconds(30), 10).withWaitForNewWorkers(true));
    String id = submit(3);
    failThreeTimes(id);
    assertThat(jobManager.runCommand(JobManager.Tick.INSTANCE).events()).isEmpty();
    assertThat(status(id).waiting()).contains("waiting for new workers").contains("failed 3 attempts");
  }

  @Test
  void aJobSaysWhatItWaitsFor() {
    var request = new JobRequest("/in.mp4", "/out.mp4", "big", 10, 0, EncodeSpec.defaults());
    var submitted = jobManager.<SubmitReply>runCommand(replyTo -> new SubmitJob(request, VIDEO,
        List.of(new PlannedChunk(0, 10, 0, 10)), new PipelinePlan("{}", 8_000, List.of("upscaler")), replyTo));
    String id = ((JobAccepted) submitted.reply()).jobId();
    assertThat(status(id).waiting()).startsWith("waiting for a worker");

    jobManager.runCommand(new RequestWork(worker.getRef(), "node", "slot-0",
        new DeviceSnapshot("cpu-0", 4_000, 4_000, List.of())));
    assertThat(status(id).waiting()).startsWith("waiting for a device that fits").contains("needs 8000 bytes")
        .contains("4000 bytes");
    assertThat(jobManager.runCommand(JobManager.Tick.INSTANCE).events()).as("too small is not blocked").isEmpty();
  }

  @Test
  void aRejectedResultIsAFailedAttempt() {
    String id = submit(1);
    lease();
    transfers.rejectResults = "result has 9 frames, expected 10";
    jobManager.runCommand(new ChunkDone(id, 0, 1, 9, null, worker.getRef(), List.of()));
    assertThat(worker.expectMessageClass(ChunkAcknowledged.class).reason()).contains("9 frames");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status(id).attemptFailures().size() == 1);
  }

  @Test
  void cancellingEndsTheJobAndItsLeases() {
    String id = submit(2);
    lease();
    var cancel = jobManager.<JobReply>runCommand(replyTo -> new CancelJob(id, replyTo));
    assertThat(cancel.events()).singleElement().isInstanceOf(JobCancelled.class);
    assertThat(((JobStatus) cancel.reply()).state()).isEqualTo("CANCELLED");
    clock.advance(Duration.ofMinutes(5));
    assertThat(jobManager.runCommand(JobManager.Tick.INSTANCE).events()).as("no lease left to expire").isEmpty();
  }

  @Test
  void aChunkLostWithItsWorkerIsRetriedWithoutUsingUpAnAttemptUpToItsOwnLimit() {
    String id = submit(1);
    String address = org.apache.pekko.actor.typed.ActorRefResolver.get(testKit.system())
        .toSerializationFormat(worker.getRef());
    address = address.substring(0, address.indexOf("/", "pekko://".length()));
    for (int crash = 1; crash <= 4; crash++) { // more crashes than the 2 attempts these settings allow
      lease();
      var lost = jobManager.runCommand(new JobManager.WorkerNodeLost(address, "node became unreachable"));
      assertThat(lost.events()).singleElement().isInstanceOf(ChunkLost.class);
      jobManager.runCommand(new JobManager.WorkerNodeBack(address)); // reachable again: it may lease once more
    }
    JobStatus status = status(id);
    assertThat(status.state()).isEqualTo("RUNNING");
    assertThat(status.attemptFailures()).as("no attempt failed").isEmpty();
    assertThat(status.lostLeases()).hasSize(4).allMatch(r -> r.contains("node became unreachable"));

    lease();
    var fifth = jobManager.runCommand(new JobManager.WorkerNodeLost(address, "node left the cluster"));
    assertThat(fifth.events()).hasSize(2).last().isInstanceOf(JobFailed.class);
    assertThat(status(id).failure()).contains("lost with its worker 5 times");
  }

  @Test
  void aRequestFromALostNodeThatArrivesAfterTheLossLeasesNothingUntilTheNodeIsBack() {
    String id = submit(1);
    String address = org.apache.pekko.actor.typed.ActorRefResolver.get(testKit.system())
        .toSerializationFormat(worker.getRef());
    address = address.substring(0, address.indexOf("/", "pekko://".length()));
    lease();
    assertThat(jobManager.runCommand(new JobManager.WorkerNodeLost(address, "node became unreachable")).events())
        .singleElement().isInstanceOf(ChunkLost.class);

    // Sent before the loss, or buffered while the coordinator was paused: it must not take the chunk, whose
    // lease nothing would reclaim (the node's loss was handled already).
    var late = jobManager.runCommand(request(false));
    assertThat(late.events()).isEmpty();
    assertThat(status(id).chunkAttempts()).containsExactly(1);

    jobManager.runCommand(new JobManager.WorkerNodeBack(address));
    assertThat(lease().attempt()).isEqualTo(2);
  }

  @Test
  void aBusySlotLeasesOneChunkAheadAndNoMore() {
    String id = submit(3);
    AssignChunk first = lease();
    var again = jobManager.runCommand(request(false));
    assertThat(again.events()).as("an idle slot's request that crossed its assignment").isEmpty();

    assertThat(jobManager.runCommand(request(true)).events()).singleElement().isInstanceOf(ChunkLeased.class);
    AssignChunk ahead = worker.expectMessageClass(AssignChunk.class);
    assertThat(ahead.chunk()).isNotEqualTo(first.chunk());
    assertThat(jobManager.runCommand(request(true)).events()).as("two chunks held: no third").isEmpty();

    // The one ahead waits for its turn far beyond the startup grace: its reports of no frames keep it alive.
    for (int s = 20; s <= 400; s += 20) {
      clock.advance(Duration.ofSeconds(20));
      jobManager.runCommand(new ChunkProgress(id, first.chunk(), 1, s));
      jobManager.runCommand(new ChunkProgress(id, ahead.chunk(), 1, 0));
      assertThat(jobManager.runCommand(JobManager.Tick.INSTANCE).events()).isEmpty();
    }
    jobManager.runCommand(new ChunkDone(id, first.chunk(), 1, 10, null, worker.getRef(), List.of()));
    assertThat(worker.expectMessageClass(ChunkAcknowledged.class).accepted()).isTrue();
    assertThat(jobManager.runCommand(request(true)).events()).as("one held again: one ahead of it")
        .singleElement().isInstanceOf(ChunkLeased.class);
    assertThat(status(id).chunkAttempts()).containsExactly(1, 1, 1);
  }

  @Test
  void workThatAppearsGoesToParkedIdleSlotsBeforeBusyOnesThatAskedAhead() {
    TestProbe<WorkerCommand> busy = testKit.createTestProbe(WorkerCommand.class);
    TestProbe<WorkerCommand> idle = testKit.createTestProbe(WorkerCommand.class);
    String first = submit(1);
    jobManager.runCommand(new RequestWork(busy.getRef(), "node", "slot-1", SNAPSHOT));
    busy.expectMessageClass(AssignChunk.class);
    // No work left: both park, the busy slot first.
    assertThat(jobManager.runCommand(new RequestWork(busy.getRef(), "node", "slot-1", SNAPSHOT, true)).events())
        .isEmpty();
    assertThat(jobManager.runCommand(new RequestWork(idle.getRef(), "node", "slot-2", SNAPSHOT)).events()).isEmpty();

    var request = new JobRequest("/in.mp4", "/out.mp4", "identity", 10, 0, EncodeSpec.defaults());
    var second = jobManager.<SubmitReply>runCommand(replyTo -> new SubmitJob(request, VIDEO,
        List.of(new PlannedChunk(0, 10, 0, 10)), new PipelinePlan("{}", 0, List.of()), replyTo));
    AssignChunk taken = idle.expectMessageClass(AssignChunk.class);
    assertThat(taken.jobId()).isEqualTo(((JobAccepted) second.reply()).jobId()).isNotEqualTo(first);
    busy.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aColdSlotThatWaitsForAYoungJobsModelsIsOfferedItOnceTheWaitEnds() {
    jobManager = start(JobManagerSettings.of(Duration.ofSeconds(30), 2).withColdStartDelay(Duration.ofSeconds(2)));
    var request = new JobRequest("/in.mp4", "/out.mp4", "detect", 10, 0, EncodeSpec.defaults());
    var planned = List.of(new PlannedChunk(0, 10, 0, 10), new PlannedChunk(10, 20, 10, 20));
    jobManager.<SubmitReply>runCommand(replyTo -> new SubmitJob(request, VIDEO, planned,
        new PipelinePlan("{}", 0, List.of("detector")), replyTo));
    TestProbe<WorkerCommand> second = testKit.createTestProbe(WorkerCommand.class);
    var cold = new DeviceSnapshot("cpu-1", 1_000_000, 1_000_000, List.of());
    lease(); // the first slot loads the detector
    assertThat(jobManager.runCommand(new RequestWork(second.getRef(), "node", "slot-1", cold)).events())
        .as("the detector is loading elsewhere and the job is young").isEmpty();
    second.expectNoMessage(Duration.ofMillis(300));

    clock.advance(Duration.ofSeconds(2));
    assertThat(second.expectMessageClass(AssignChunk.class, Duration.ofSeconds(10)).chunk()).isEqualTo(1);
  }

  @Test
  void recoveryKeepsCompletedChunksAndReleasesLeasesWithoutUsingAttempts() {
    String id = submit(2);
    AssignChunk first = lease();
    jobManager.runCommand(new ChunkDone(id, first.chunk(), 1, 10, null, worker.getRef(), List.of()));
    worker.expectMessageClass(ChunkAcknowledged.class);
    lease();

    JobBook recovered = jobManager.restart().state();
    assertThat(recovered.job(id).orElseThrow().chunks().get(0).state()).isEqualTo(Job.ChunkState.DONE);

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> jobManager.getState().leases().isEmpty());
    Job job = jobManager.getState().job(id).orElseThrow();
    assertThat(job.chunks().get(1).failures()).isZero();
    AssignChunk again = lease();
    assertThat(again.chunk()).isEqualTo(1);
    assertThat(again.attempt()).as("fences the lease from before the restart").isEqualTo(2);
  }

  @Test
  void finishedJobsBeyondTheRetentionMoveToTheHistoryAndStayQueryable() throws Exception {
    jobManager = start(JobManagerSettings.of(Duration.ofSeconds(30), 2).withRetention(1, Duration.ofHours(1)));
    String older = submit(1);
    jobManager.<JobReply>runCommand(replyTo -> new CancelJob(older, replyTo));
    clock.advance(Duration.ofSeconds(1));
    String newer = submit(1);
    jobManager.<JobReply>runCommand(replyTo -> new CancelJob(newer, replyTo));

    jobManager.runCommand(JobManager.Tick.INSTANCE);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> jobManager.getState().job(older).isEmpty());

    assertThat(jobManager.getState().job(newer)).as("the newest finished job stays live").isPresent();
    JobStatus archived = history.find(older).toCompletableFuture().get().orElseThrow();
    assertThat(archived.state()).isEqualTo("CANCELLED");
    assertThat(jobManager.<JobReply>runCommand(replyTo -> new GetJob(older, replyTo)).reply())
        .isInstanceOf(JobNotFound.class);
  }

  @Test
  void aSnapshotReplacesTheEventsBeforeIt() {
    jobManager = start(JobManagerSettings.of(Duration.ofSeconds(30), 2).withSnapshotEvery(4));
    String a = submit(1);
    String b = submit(1);
    JobBook before = jobManager.getState();
    assertThat(jobManager.snapshotTestKit()).isPresent();
    jobManager.snapshotTestKit().get().expectNextPersisted("framefarm-job-manager", before);
    assertThat(jobManager.restart().state()).isEqualTo(before);
    assertThat(before.job(a)).isPresent();
    assertThat(before.job(b)).isPresent();
  }

  @Test
  void aJournalFailureRestartsTheJobManagerWhichThenServesAgain() {
    submit(1);
    jobManager.persistenceTestKit().failNextPersisted();
    var request = new JobRequest("/in.mp4", "/out.mp4", "identity", 10, 0, EncodeSpec.defaults());
    TestProbe<SubmitReply> lostReply = testKit.createTestProbe(SubmitReply.class);
    jobManager.runCommand(new SubmitJob(request, VIDEO, List.of(new PlannedChunk(0, 10, 0, 10)),
        new PipelinePlan("{}", 0, List.of()), lostReply.getRef()));
    lostReply.expectNoMessage(Duration.ofMillis(300));

    Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
      submit(1);
      return true;
    });
    assertThat(jobManager.getState().size()).isEqualTo(2);
  }
}

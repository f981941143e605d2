package io.framefarm.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.coordinator.scheduler.LeaseClock.Lease;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobBookTest {
  private static final VideoSpec VIDEO = new VideoSpec(320, 240, 1, 30, 30, 1);

  static JobBook withJob(JobBook book, String id, int priority, int chunks, PipelinePlan pipeline) {
    var request = new JobRequest("/in.mp4", "/out-" + id + ".mp4", "identity", 10, priority, EncodeSpec.defaults());
    List<PlannedChunk> planned = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      planned.add(new PlannedChunk(i * 10, i * 10 + 10, i * 10L, i * 10L + 10));
    }
    return book.apply(new JobSubmitted(id, request, VIDEO, pipeline, 1000)).apply(new ChunksPlanned(id, planned));
  }

  private static JobBook withJob(String id, int chunks) {
    return withJob(new JobBook(), id, 0, chunks, new PipelinePlan("{}", 0, List.of()));
  }

  @Test
  void applyingAnEventLeavesTheOldBookAsItWas() {
    JobBook before = withJob("j", 1);
    JobBook after = before.apply(new ChunkLeased("j", 0, 1, "w", 5000, 1000));

    assertThat(before.job("j").orElseThrow().state()).isEqualTo(Job.State.QUEUED);
    assertThat(before.job("j").orElseThrow().chunks().get(0).state()).isEqualTo(Job.ChunkState.PENDING);
    assertThat(after.job("j").orElseThrow().state()).isEqualTo(Job.State.RUNNING);
    assertThat(after.currentLease("j", 0, 1)).isPresent();
    assertThat(after.currentLease("j", 0, 2)).as("another attempt is not the live lease").isEmpty();
  }

  @Test
  void aFailedAttemptReturnsTheChunkToPendingAndRecordsTheReason() {
    JobBook book = withJob("j", 1).apply(new ChunkLeased("j", 0, 1, "pekko://farm@h:1/user/slot", 5000, 1000))
        .apply(new ChunkFailed("j", 0, 1, "decoder exploded"));

    Job job = book.job("j").orElseThrow();
    assertThat(job.pendingChunks()).extracting(c -> c.lastFailedWorker()).containsExactly("pekko://farm@h:1/user/slot");
    assertThat(job.chunks().get(0).failures()).isEqualTo(1);
    assertThat(job.failuresOn("pekko://farm@h:1/user/slot")).isEqualTo(1);
    assertThat(job.attemptFailures())
        .containsExactly("chunk 0 attempt 1 on pekko://farm@h:1/user/slot: decoder exploded");
    assertThat(job.state()).isEqualTo(Job.State.RUNNING);
  }

  @Test
  void allChunksDoneMovesTheJobToAssemblyAndCountsFrames() {
    JobBook book = withJob("j", 2).apply(new ChunkLeased("j", 0, 1, "w", 5000, 1000))
        .apply(new ChunkLeased("j", 1, 1, "w2", 5000, 1000)).apply(new ChunkCompleted("j", 0, 1, 10));
    assertThat(book.job("j").orElseThrow().state()).isEqualTo(Job.State.RUNNING);
    assertThat(book.job("j").orElseThrow().status(null, c -> 4).framesDone()).as("10 done + 4 of the leased one")
        .isEqualTo(14);

    book = book.apply(new ChunkCompleted("j", 1, 1, 10));
    assertThat(book.job("j").orElseThrow().state()).isEqualTo(Job.State.ASSEMBLING);
    book = book.apply(new JobCompleted("j", 20, 3000));
    assertThat(book.job("j").orElseThrow().status().finished()).isTrue();
    assertThat(book.schedulable()).isEmpty();
  }

  @Test
  void aReleasedLeaseIsNotAFailedAttemptAndCompletedChunksStay() {
    JobBook book = withJob("j", 3).apply(new ChunkLeased("j", 0, 1, "w", 5000, 1000))
        .apply(new ChunkCompleted("j", 0, 1, 10)).apply(new ChunkLeased("j", 1, 1, "w", 5000, 1000));
    assertThat(book.leases()).hasSize(1);

    book = book.apply(new ChunkReleased("j", 1, 1, "the coordinator restarted"));

    Job job = book.job("j").orElseThrow();
    assertThat(book.leases()).isEmpty();
    assertThat(job.chunks().get(1).attempts()).as("the next lease is attempt 2, fencing the old one").isEqualTo(1);
    assertThat(job.chunks().get(1).failures()).isZero();
    assertThat(job.attemptFailures()).isEmpty();
    assertThat(job.chunks().get(0).state()).isEqualTo(Job.ChunkState.DONE);
  }

  @Test
  void aJobSaysWhyItWaitsOnlyWhileItHasPendingChunks() {
    JobBook book = withJob("j", 1);
    assertThat(book.job("j").orElseThrow().status("waiting for a worker", c -> 0).waiting())
        .isEqualTo("waiting for a worker");
    book = book.apply(new ChunkLeased("j", 0, 1, "w", 5000, 1000));
    assertThat(book.job("j").orElseThrow().status("waiting for a worker", c -> 0).waiting())
        .as("nothing pending").isNull();
  }

  @Test
  void cancelledJobsAreNotSchedulableAndArchivedJobsLeaveTheBook() {
    JobBook book = withJob("j", 2).apply(new JobCancelled("j", 2000));
    assertThat(book.schedulable()).isEmpty();
    assertThat(book.apply(new JobArchived("j", 3000)).job("j")).isEmpty();
  }

  @Test
  void failuresFailTheJobWhenAChunkRunsOutOfAttempts() {
    JobBook book = withJob("j", 2).apply(new ChunkLeased("j", 0, 1, "w", 0, 0))
        .apply(new ChunkFailed("j", 0, 1, "first")).apply(new ChunkLeased("j", 0, 2, "w", 0, 0));

    var failures = Decisions.failures(book, List.of(new Lease("j", 0, 2), new Lease("j", 1, 1)), "second", 2, 9);

    assertThat(failures.live()).as("chunk 1 holds no lease").containsExactly(new Lease("j", 0, 2));
    assertThat(failures.events()).containsExactly(new ChunkFailed("j", 0, 2, "second"),
        new JobFailed("j", "chunk 0 failed 2 times; last: second", 9));
    assertThat(failures.failedJobs()).containsExactly("j");
  }

  @Test
  void finishedJobsBeyondTheRetentionAreDueForArchive() {
    JobBook book = new JobBook();
    for (int i = 0; i < 4; i++) {
      book = withJob(book, "j" + i, 0, 1, new PipelinePlan("{}", 0, List.of()))
          .apply(new JobCancelled("j" + i, 1000L * i));
    }
    book = withJob(book, "active", 0, 1, new PipelinePlan("{}", 0, List.of()));

    assertThat(Decisions.dueForArchive(book, Set.of(), 2, 60_000, 3_000)).extracting(Job::id)
        .as("all but the newest two finished").containsExactlyInAnyOrder("j0", "j1");
    assertThat(Decisions.dueForArchive(book, Set.of("j0"), 2, 60_000, 3_000)).extracting(Job::id)
        .as("one already leaving").containsExactly("j1");
    assertThat(Decisions.dueForArchive(book, Set.of(), 10, 1_500, 3_000)).extracting(Job::id)
        .as("finished more than 1.5 s ago").containsExactlyInAnyOrder("j0", "j1");
  }

  @Test
  void aSnapshotRestoresEveryFieldOfTheLiveState() throws Exception {
    JobBook book = withJob(new JobBook(), "a", 3, 2, new PipelinePlan("{\"x\":1}", 512, List.of("m1", "m2")))
        .apply(new ChunkLeased("a", 0, 1, "w1", 5000, 1000)).apply(new ChunkFailed("a", 0, 1, "boom"))
        .apply(new ChunkLeased("a", 0, 2, "w2", 5000, 2000)).apply(new ChunkCompleted("a", 0, 2, 10))
        .apply(new ChunkLeased("a", 1, 1, "w3", 0, 0)).apply(new ChunkLost("a", 1, 1, "worker w3 lost"));
    assertThat(book.job("a").orElseThrow().chunks().get(1).losses()).isEqualTo(1);
    assertThat(book.job("a").orElseThrow().lostLeases()).containsExactly("chunk 1 attempt 1 on w3: worker w3 lost");
    book = withJob(book, "b", 0, 1, new PipelinePlan("{}", 0, List.of())).apply(new JobFailed("b", "why", 4000));

    var serializer = new JobEventSerializer();
    JobBook restored = (JobBook) serializer.fromBinary(serializer.toBinary(book), serializer.manifest(book));

    assertThat(restored.nextSequence()).isEqualTo(book.nextSequence());
    assertThat(restored.jobs()).isEqualTo(book.jobs());
  }

  @Test
  void everyJournalEventRoundTrips() throws Exception {
    var serializer = new JobEventSerializer();
    List<JobEvent> events = List.of(new ChunkReleased("j", 1, 2, "restart"), new JobArchived("j", 77),
        new ChunkLost("j", 3, 1, "worker gone"),
        new ChunkLeased("j", 0, 1, "w", 5, 6), new JobCancelled("j", 8), new AssemblyRetried("j", 9),
        new JobSubmitted("j", new JobRequest("/in.mp4", "/out.mp4", "invert", 10, 0, EncodeSpec.defaults(), true),
            VIDEO, new PipelinePlan("{\"name\":\"invert\"}", 0, List.of()), 10));
    for (JobEvent e : events) {
      assertThat(serializer.fromBinary(serializer.toBinary(e), serializer.manifest(e))).isEqualTo(e);
    }
  }

  @Test
  void anEventForAnUnknownJobIsAnError() {
    assertThatThrownBy(() -> new JobBook().apply(new ChunkCompleted("ghost", 0, 1, 1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("ghost");
  }
}

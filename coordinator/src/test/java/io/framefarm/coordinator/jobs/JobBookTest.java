package io.framefarm.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobBookTest {
  private static final VideoSpec VIDEO = new VideoSpec(320, 240, 1, 30, 30, 1);

  private static JobBook withJob(JobBook book, String id, int priority, int chunks) {
    return withJob(book, id, priority, chunks, new PipelinePlan("{}", 0, List.of()));
  }

  private static JobBook withJob(JobBook book, String id, int priority, int chunks, PipelinePlan pipeline) {
    var request = new JobRequest("/in.mp4", "/out-" + id + ".mp4", "identity", 10, priority, EncodeSpec.defaults());
    book.apply(new JobSubmitted(id, request, VIDEO, pipeline, 1000));
    List<PlannedChunk> planned = new java.util.ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      planned.add(new PlannedChunk(i * 10, i * 10 + 10, i * 10L, i * 10L + 10));
    }
    return book.apply(new ChunksPlanned(id, planned));
  }

  @Test
  void higherPriorityJobsAreScheduledFirstThenOlderJobs() {
    JobBook book = new JobBook();
    withJob(book, "old", 0, 2);
    withJob(book, "urgent", 5, 1);
    withJob(book, "young", 0, 1);

    assertThat(book.nextPending().orElseThrow().job().id).isEqualTo("urgent");
    book.apply(new ChunkLeased("urgent", 0, 1, "w1", 5000, 1000));
    var next = book.nextPending().orElseThrow();
    assertThat(next.job().id).isEqualTo("old");
    assertThat(next.chunk().index).isEqualTo(0);
  }

  @Test
  void aDeviceNeverGetsAChunkWhosePipelineCannotFitItsBudget() {
    JobBook book = withJob(new JobBook(), "big", 5, 1, new PipelinePlan("{}", 8_000, List.of("upscaler")));
    withJob(book, "small", 0, 1, new PipelinePlan("{}", 1_000, List.of("detector")));

    var smallDevice = new DeviceFit(4_000, java.util.Set.of());
    assertThat(book.nextPending(smallDevice).orElseThrow().job().id).isEqualTo("small");
    assertThat(book.nextPending(new DeviceFit(16_000, java.util.Set.of())).orElseThrow().job().id).isEqualTo("big");
    book.apply(new ChunkLeased("small", 0, 1, "w", 5000, 1000));
    assertThat(book.nextPending(smallDevice)).as("only the big job is left").isEmpty();
  }

  @Test
  void aJobNoWorkerCanHoldSaysWhatItIsWaitingFor() {
    JobBook book = withJob(new JobBook(), "big", 0, 1, new PipelinePlan("{}", 8_000, List.of("upscaler")));
    Job job = book.job("big").orElseThrow();
    assertThat(job.status(4_000).waiting()).contains("needs 8000 bytes").contains("4000 bytes");
    assertThat(job.status(16_000).waiting()).isNull();
    assertThat(job.status(0).waiting()).as("no worker has asked yet").isNull();
  }

  @Test
  void atEqualPriorityADeviceGetsTheJobWhoseModelsItAlreadyHolds() {
    JobBook book = withJob(new JobBook(), "older", 0, 1, new PipelinePlan("{}", 1_000, List.of("restorer")));
    withJob(book, "younger", 0, 1, new PipelinePlan("{}", 1_000, List.of("detector", "recognizer")));

    var holdsDetector = new DeviceFit(10_000, java.util.Set.of("detector", "recognizer"));
    assertThat(book.nextPending(holdsDetector).orElseThrow().job().id).isEqualTo("younger");
    assertThat(book.nextPending(new DeviceFit(10_000, java.util.Set.of("detector"))).orElseThrow().job().id)
        .as("affinity needs every model resident").isEqualTo("older");
    assertThat(book.nextPending(DeviceFit.ANY).orElseThrow().job().id).isEqualTo("older");
  }

  @Test
  void priorityComesBeforeModelAffinity() {
    JobBook book = withJob(new JobBook(), "resident", 0, 1, new PipelinePlan("{}", 1_000, List.of("detector")));
    withJob(book, "urgent", 9, 1, new PipelinePlan("{}", 1_000, List.of("upscaler")));
    assertThat(book.nextPending(new DeviceFit(10_000, java.util.Set.of("detector"))).orElseThrow().job().id)
        .isEqualTo("urgent");
  }

  @Test
  void aFailedAttemptReturnsTheChunkToPendingAndRecordsTheReason() {
    JobBook book = withJob(new JobBook(), "j", 0, 1);
    book.apply(new ChunkLeased("j", 0, 1, "pekko://farm@h:1/user/slot", 5000, 1000));
    assertThat(book.nextPending()).isEmpty();
    assertThat(book.holdsLease("pekko://farm@h:1/user/slot")).isTrue();

    book.apply(new ChunkFailed("j", 0, 1, "decoder exploded"));

    Job job = book.job("j").orElseThrow();
    assertThat(book.nextPending().orElseThrow().chunk().attempts).isEqualTo(1);
    assertThat(job.attemptFailures)
        .containsExactly("chunk 0 attempt 1 on pekko://farm@h:1/user/slot: decoder exploded");
    assertThat(job.state).isEqualTo(Job.State.RUNNING);
  }

  @Test
  void aRetryGoesToAnotherWorkerWhileThereIsOne() {
    JobBook book = withJob(new JobBook(), "j", 0, 2);
    book.apply(new ChunkLeased("j", 0, 1, "bad", 5000, 1000));
    book.apply(new ChunkFailed("j", 0, 1, "model file missing on this node"));

    assertThat(book.nextPending(DeviceFit.ANY, "bad", true).orElseThrow().chunk().index)
        .as("the bad worker gets another chunk").isEqualTo(1);
    assertThat(book.nextPending(DeviceFit.ANY, "good", true).orElseThrow().chunk().index).isEqualTo(0);
    assertThat(book.nextPending(DeviceFit.ANY, "bad", false).orElseThrow().chunk().index)
        .as("alone, the worker retries its own failure").isEqualTo(0);
  }

  @Test
  void aWorkerThatKeepsFailingAJobIsPassedOverForIt() {
    JobBook book = withJob(new JobBook(), "j", 0, 4);
    for (int chunk = 0; chunk < JobBook.WORKER_FAILURES_PER_JOB; chunk++) {
      book.apply(new ChunkLeased("j", chunk, 1, "bad", 5000, 1000));
      book.apply(new ChunkFailed("j", chunk, 1, "CUDA provider broken"));
    }
    assertThat(book.nextPending(DeviceFit.ANY, "bad", true)).isEmpty();
    assertThat(book.nextPending(DeviceFit.ANY, "good", true)).isPresent();
    assertThat(book.nextPending(DeviceFit.ANY, "bad", false)).as("unless no one else can").isPresent();
  }

  @Test
  void aLeaseWhoseResultIsBeingStoredDoesNotExpire() {
    JobBook book = withJob(new JobBook(), "j", 0, 1);
    book.apply(new ChunkLeased("j", 0, 1, "w", 5000, 1000));
    book.job("j").orElseThrow().chunks.get(0).storing = true;
    assertThat(book.expiredLeases(60_000)).isEmpty();
  }

  @Test
  void leasesExpireAndAreFoundByNode() {
    JobBook book = withJob(new JobBook(), "j", 0, 2);
    book.apply(new ChunkLeased("j", 0, 1, "pekko://farm@a:1/user/s0", 5000, 1000));
    book.apply(new ChunkLeased("j", 1, 1, "pekko://farm@b:2/user/s0", 9000, 1000));

    assertThat(book.expiredLeases(6000)).extracting(c -> c.chunk().index).containsExactly(0);
    assertThat(book.leasesOn("pekko://farm@b:2/")).extracting(c -> c.chunk().index).containsExactly(1);
    assertThat(book.leasesOn("pekko://farm@b:20/")).isEmpty();
  }

  @Test
  void allChunksDoneMovesTheJobToAssemblyAndCountsFrames() {
    JobBook book = withJob(new JobBook(), "j", 0, 2);
    book.apply(new ChunkLeased("j", 0, 1, "w", 5000, 1000));
    book.apply(new ChunkLeased("j", 1, 1, "w2", 5000, 1000));
    book.apply(new ChunkCompleted("j", 0, 1, 10));
    Job job = book.job("j").orElseThrow();
    assertThat(job.state).isEqualTo(Job.State.RUNNING);
    assertThat(job.framesDone()).isEqualTo(10);

    book.apply(new ChunkCompleted("j", 1, 1, 10));
    assertThat(job.state).isEqualTo(Job.State.ASSEMBLING);
    assertThat(job.status().framesDone()).isEqualTo(20);
    book.apply(new JobCompleted("j", 20, 3000));
    assertThat(job.status().finished()).isTrue();
  }

  @Test
  void aRestartReleasesLeasesButKeepsCompletedChunks() {
    JobBook book = withJob(new JobBook(), "j", 0, 3);
    book.apply(new ChunkLeased("j", 0, 1, "w", 5000, 1000));
    book.apply(new ChunkCompleted("j", 0, 1, 10));
    book.apply(new ChunkLeased("j", 1, 1, "w", 5000, 1000));

    book.releaseAllLeases();

    var next = book.nextPending().orElseThrow();
    assertThat(next.chunk().index).isEqualTo(1);
    assertThat(next.chunk().attempts).as("the next lease of chunk 1 is attempt 2, fencing the old one").isEqualTo(1);
    assertThat(next.chunk().failures).as("a released lease is not a failed attempt").isEmpty();
    assertThat(book.job("j").orElseThrow().chunks.get(0).state).isEqualTo(Job.ChunkState.DONE);
  }

  @Test
  void cancelledJobsHandOutNothing() {
    JobBook book = withJob(new JobBook(), "j", 0, 2);
    book.apply(new JobCancelled("j", 2000));
    assertThat(book.nextPending()).isEmpty();
  }

  @Test
  void anEventForAnUnknownJobIsAnError() {
    assertThatThrownBy(() -> new JobBook().apply(new ChunkCompleted("ghost", 0, 1, 1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("ghost");
  }
}

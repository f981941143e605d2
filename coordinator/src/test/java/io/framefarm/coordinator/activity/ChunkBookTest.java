package io.framefarm.coordinator.activity;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.coordinator.jobs.JobEvent.ChunkCompleted;
import io.framefarm.coordinator.jobs.JobEvent.ChunkFailed;
import io.framefarm.coordinator.jobs.JobEvent.ChunkLeased;
import io.framefarm.coordinator.jobs.JobEvent.ChunkReleased;
import io.framefarm.coordinator.jobs.JobEvent.ChunksPlanned;
import io.framefarm.coordinator.jobs.JobEvent.JobArchived;
import io.framefarm.coordinator.jobs.JobEvent.JobSubmitted;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChunkBookTest {
  private static final String A = "pekko://farm@10.0.0.5:2552/user/worker-node/slot-cuda:0#123";
  private static final String B = "pekko://farm@10.0.0.6:2552/user/worker-node/slot-host:1#9";

  private final ChunkBook book = new ChunkBook();

  private void submit() {
    var request = new JobRequest("/in.mp4", "/out.mp4", "identity", 10, 0, EncodeSpec.defaults());
    book.apply(new JobSubmitted("job-1", request, new VideoSpec(320, 240, 1, 30, 30, 1),
        new PipelinePlan("{}", 0, List.of()), 1_000), 1_000);
    book.apply(new ChunksPlanned("job-1", List.of(new PlannedChunk(0, 10, 0, 10), new PlannedChunk(10, 20, 10, 20))),
        1_000);
  }

  @Test
  void aChunkMapHasEveryAttemptWithItsNodeDeviceOutcomeAndTime() {
    submit();
    var leased = book.apply(new ChunkLeased("job-1", 0, 1, A, 99_000, 1_500), 1_500);
    assertThat(leased.waitedSeconds()).isEqualTo(0.5);
    assertThat(book.busyByNode()).isEqualTo(Map.of("pekko://farm@10.0.0.5:2552", 1));
    var failed = book.apply(new ChunkFailed("job-1", 0, 1, "lease expired after 30 s without progress"), 4_000);
    assertThat(failed.event().type()).isEqualTo("ChunkFailed");
    assertThat(failed.event().deviceId()).isEqualTo("cuda:0");
    var again = book.apply(new ChunkLeased("job-1", 0, 2, B, 99_000, 5_000), 5_000);
    assertThat(again.waitedSeconds()).isEqualTo(1.0);
    var done = book.apply(new ChunkCompleted("job-1", 0, 2, 10), 7_500);
    assertThat(done.leaseSeconds()).isEqualTo(2.5);
    assertThat(book.busyByNode()).isEmpty();

    var map = book.chunks("job-1").orElseThrow();
    assertThat(map.chunks()).hasSize(2);
    var chunk = map.chunks().get(0);
    assertThat(chunk.state()).isEqualTo("DONE");
    assertThat(chunk.startFrame()).isZero();
    assertThat(chunk.endFrame()).isEqualTo(10);
    assertThat(chunk.node()).isEqualTo("pekko://farm@10.0.0.6:2552");
    assertThat(chunk.deviceId()).isEqualTo("host:1");
    assertThat(chunk.seconds()).isEqualTo(2.5);
    assertThat(chunk.attempts()).extracting(ChunkBook.Attempt::outcome).containsExactly("FAILED", "COMPLETED");
    assertThat(chunk.attempts().get(0).reason()).startsWith(ChunkFailed.LEASE_EXPIRED);
    assertThat(map.chunks().get(1).state()).isEqualTo("PENDING");
    assertThat(map.chunks().get(1).attempts()).isEmpty();
  }

  @Test
  void aSlotHoldingAChunkAheadCountsAsOneBusySlot() {
    submit();
    book.apply(new ChunkLeased("job-1", 0, 1, A, 99_000, 1_500), 1_500);
    book.apply(new ChunkLeased("job-1", 1, 1, A, 99_000, 1_600), 1_600);
    assertThat(book.busyByNode()).isEqualTo(Map.of("pekko://farm@10.0.0.5:2552", 1));
    book.apply(new ChunkReleased("job-1", 1, 1, "handed back: draining"), 1_700);
    assertThat(book.busyByNode()).isEqualTo(Map.of("pekko://farm@10.0.0.5:2552", 1));
  }

  @Test
  void anArchivedJobLeavesTheBookAndAJobSeenLateIsStillShown() {
    submit();
    book.apply(new JobArchived("job-1", 9_000), 9_000);
    assertThat(book.chunks("job-1")).isEmpty();
    // Its first events went with a journal snapshot: what follows is still shown.
    book.apply(new ChunkLeased("job-2", 3, 1, A, 99_000, 2_000), 2_000);
    var chunks = book.chunks("job-2").orElseThrow().chunks();
    assertThat(chunks).hasSize(4);
    assertThat(chunks.get(3).state()).isEqualTo("LEASED");
    assertThat(chunks.get(3).startFrame()).isEqualTo(-1);
  }
}

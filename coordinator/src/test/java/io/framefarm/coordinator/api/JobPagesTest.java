package io.framefarm.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.JobStatus;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Paging over the live jobs and the history table (a real H2 database in memory). */
class JobPagesTest {
  private final ExecutorService executor = Executors.newSingleThreadExecutor();
  private final JobHistory history = new JobHistory("jdbc:h2:mem:pages-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
      "sa", "", executor);
  private final JobPages pages = new JobPages(history);

  @AfterEach
  void stop() {
    executor.shutdown();
  }

  private static JobStatus job(String id, long submittedAt, String state) {
    var request = new JobRequest("/in.mp4", "/out-" + id + ".mp4", "identity", 10, 0, EncodeSpec.defaults());
    return new JobStatus(id, request, state, 10, state.equals("COMPLETED") ? 10 : 0, 1, 0, submittedAt, 0,
        state.equals("RUNNING") ? 0 : submittedAt + 5, null, List.of(), List.of(""), null, List.of(), List.of(1));
  }

  @Test
  void pagesWalkLiveAndArchivedJobsNewestFirstWithoutRepeats() throws Exception {
    history.ensureTable();
    history.store(List.of(job("a1", 100, "COMPLETED"), job("a2", 200, "FAILED"), job("a3", 300, "COMPLETED"),
        job("a4", 400, "CANCELLED"), job("l1", 500, "COMPLETED"))).toCompletableFuture().get();
    // l1 was archived while it is still listed live: it must appear once.
    List<JobStatus> live = List.of(job("l1", 500, "COMPLETED"), job("l2", 600, "RUNNING"), job("l3", 600, "QUEUED"));

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pagesRead = 0;
    do {
      JobPages.Page page = pages.page(live, cursor, 3).toCompletableFuture().get();
      page.jobs().forEach(j -> seen.add(j.id()));
      cursor = page.next();
      pagesRead++;
    } while (cursor != null && pagesRead < 10);

    assertThat(seen).containsExactly("l3", "l2", "l1", "a4", "a3", "a2", "a1");
    assertThat(pagesRead).isEqualTo(3);
  }

  @Test
  void aFinishedJobIsFoundInTheHistoryWithItsFinalStatus() throws Exception {
    history.ensureTable();
    history.store(List.of(job("x", 1, "FAILED"))).toCompletableFuture().get();
    history.store(List.of(job("x", 1, "FAILED"))).toCompletableFuture().get(); // stored twice: still one row

    assertThat(history.find("x").toCompletableFuture().get()).get().extracting(JobStatus::state).isEqualTo("FAILED");
    assertThat(history.page(null, 10).toCompletableFuture().get()).hasSize(1);
    assertThat(history.find("y").toCompletableFuture().get()).isEmpty();
  }

  @Test
  void aCursorThatIsNotOursIsAClearError() {
    assertThatThrownBy(() -> JobPages.decode("not-a-cursor")).isInstanceOf(InvalidJobException.class)
        .hasMessageContaining("cursor");
  }
}

package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The farm stops in the middle of a job and starts again on the same data dir: the journal is
 * replayed, chunks completed before the stop are kept, the rest are redone, the output is exact.
 */
class CoordinatorRestartTest {
  @TempDir
  Path work;

  @Test
  void aJobSurvivesARestartWithoutRedoingCompletedChunks() throws Exception {
    Path data = work.resolve("farm");
    Path input = TestVideos.small(TestVideos.cacheDir());
    Path output = work.resolve("out.mp4");
    String id;
    int doneBeforeStop;
    String firstNode;
    try (FarmNode first = TestFarms.embedded(data, 1)) {
      firstNode = first.system().address().toString();
      FarmClient client = new FarmClient(first.apiUrl());
      id = client.submit(TestFarms.job(input, output, "identity", 5, true));
      JsonNode job = Awaitility.await("3 chunks done").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(50)).until(() -> client.job(id), j -> j.path("chunksDone").asInt() >= 3);
      doneBeforeStop = job.path("chunksDone").asInt();
      assertThat(doneBeforeStop).as("the job must still be running when the farm stops")
          .isLessThan(job.path("chunks").asInt());
    }

    try (FarmNode second = TestFarms.embedded(data, 1)) {
      FarmClient client = new FarmClient(second.apiUrl());
      JsonNode job = TestFarms.awaitFinished(client, id, Duration.ofMinutes(3));
      assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("COMPLETED");
      long keptFromFirst = 0;
      for (JsonNode worker : job.path("chunkWorkers")) {
        keptFromFirst += worker.asText().startsWith(firstNode + "/") ? 1 : 0;
      }
      assertThat(keptFromFirst).as("chunks completed before the stop and not recomputed")
          .isGreaterThanOrEqualTo(doneBeforeStop);
      assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(input));
    }
  }
}

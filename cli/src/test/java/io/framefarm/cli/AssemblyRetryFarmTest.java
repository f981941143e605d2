package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose assembly fails keeps its stored chunks, and {@code farm retry} assembles it from them: here the
 * output appears (another program wrote it) between acceptance and assembly, so the assembly refuses to replace
 * it. Once it is moved away, the retry completes the job with no worker left in the cluster: nothing was
 * computed again.
 */
class AssemblyRetryFarmTest {
  @TempDir
  Path work;

  @Test
  void aFailedAssemblyIsRetriedFromTheStoredChunks() throws Exception {
    int seedPort = FarmProcesses.freePort();
    String seed = "127.0.0.1:" + seedPort;
    Path input = TestVideos.small(TestVideos.cacheDir());
    Path output = work.resolve("out.mp4");
    try (FarmNode coordinator = FarmNode.start(
        TestFarms.config(List.of("coordinator"), work.resolve("coordinator"), List.of(seed), seedPort), 0)) {
      FarmClient client = new FarmClient(coordinator.apiUrl());
      // No worker yet: the job waits, and the output can appear before it is assembled.
      String id = client.submit(TestFarms.job(input, output, "identity", 30, true));
      Files.writeString(output, "written by someone else");

      try (FarmNode worker = FarmNode.start(
          TestFarms.config(List.of("worker"), work.resolve("worker"), List.of(seed), 0), 1)) {
        JsonNode failed = TestFarms.awaitFinished(client, id, Duration.ofMinutes(3));
        assertThat(failed.path("state").asText()).as(failed.toString()).isEqualTo("FAILED");
        assertThat(failed.path("failure").asText()).contains("already exists, and the job did not ask to overwrite");
        assertThat(failed.path("chunksDone").asInt()).isEqualTo(3);
      }
      assertThat(Files.readString(output)).isEqualTo("written by someone else");
      Files.delete(output);

      StringWriter out = new StringWriter();
      int code = Farm.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "retry", id,
          "--coordinator", coordinator.apiUrl(), "--wait");
      assertThat(code).as(out.toString()).isZero();
      JsonNode done = client.job(id);
      assertThat(done.path("state").asText()).isEqualTo("COMPLETED");
      assertThat(done.path("failure").isNull() || done.path("failure").asText().isEmpty()).isTrue();
      assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(input));

      FarmClient.Refused again = catchThrowableOfType(FarmClient.Refused.class, () -> client.retry(id));
      assertThat(again.status).isEqualTo(409);
      assertThat(again.getMessage()).contains("is COMPLETED: only a job whose assembly failed");
      assertThat(catchThrowableOfType(FarmClient.Refused.class, () -> client.retry("job-nope")).status)
          .isEqualTo(404);
    }
  }
}

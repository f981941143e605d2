package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The spine end to end on the embedded farm (coordinator and worker in one cluster node, two slots):
 * jobs go in over HTTP, chunks travel over stream refs, and outputs are checked frame by frame
 * against the input with Debian's ffmpeg as an independent decoder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedFarmTest {
  private static final Duration JOB_DEADLINE = Duration.ofMinutes(8);

  @TempDir
  static Path work;

  private FarmNode farm;
  private FarmClient client;
  private Path videos;

  @BeforeAll
  void startFarm() {
    videos = TestVideos.cacheDir();
    farm = TestFarms.embedded(work.resolve("farm"), 2);
    client = new FarmClient(farm.apiUrl());
  }

  @AfterAll
  void stopFarm() {
    farm.close();
  }

  private JsonNode run(Path input, String name, String pipeline, int chunkFrames) {
    Path output = work.resolve(name + ".mp4");
    String id = client.submit(TestFarms.job(input, output, pipeline, chunkFrames, true));
    JsonNode job = TestFarms.awaitFinished(client, id, JOB_DEADLINE);
    assertThat(job.path("state").asText()).as("job %s: %s", id, job).isEqualTo("COMPLETED");
    return job;
  }

  private void assertSameFramesAndAudio(Path input, Path output) {
    var expected = FrameHashes.video(input);
    assertThat(FrameHashes.video(output)).as("decoded frames of %s", output).hasSize(expected.size())
        .isEqualTo(expected);
    assertThat(FrameHashes.audioPackets(output)).as("audio packets of %s", output)
        .isEqualTo(FrameHashes.audioPackets(input));
  }

  @ParameterizedTest(name = "chunks of {0} frames")
  @ValueSource(ints = {240, 1, 7, 100_000})
  void losslessIdentityOfTwentySeconds720pReproducesEveryFrameAndTheAudio(int chunkFrames) throws Exception {
    Path input = TestVideos.h264Aac(videos, 20);
    JsonNode job = run(input, "identity-" + chunkFrames, "identity", chunkFrames);
    assertThat(job.path("totalFrames").asInt()).isEqualTo(600);
    assertThat(job.path("chunks").asInt()).isEqualTo((600 + chunkFrames - 1) / chunkFrames);
    assertSameFramesAndAudio(input, Path.of(job.path("request").path("output").asText()));
  }

  static Stream<Arguments> awkwardSources() {
    return Stream.of(
        Arguments.of("open-gop-bframes", (Function<Path, Path>) TestVideos::openGop),
        Arguments.of("variable-frame-rate", (Function<Path, Path>) TestVideos::variableFrameRate),
        Arguments.of("no-audio", (Function<Path, Path>) TestVideos::noAudio),
        Arguments.of("odd-853x479", (Function<Path, Path>) TestVideos::oddSize));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("awkwardSources")
  void awkwardSourcesComeOutFrameExact(String name, Function<Path, Path> source) throws Exception {
    Path input = source.apply(videos);
    for (int chunkFrames : new int[] {7, 100_000}) {
      JsonNode job = run(input, name + "-" + chunkFrames, "identity", chunkFrames);
      assertSameFramesAndAudio(input, Path.of(job.path("request").path("output").asText()));
    }
  }

  @Test
  void invertOutputEqualsTheFilterAppliedToTheInput() throws Exception {
    Path input = TestVideos.h264Aac(videos, 20);
    JsonNode job = run(input, "invert", "invert", 240);
    Path output = Path.of(job.path("request").path("output").asText());
    assertThat(FrameHashes.video(output))
        .isEqualTo(FrameHashes.videoFiltered(input, "lutyuv=y=255-val:u=255-val:v=255-val"));
    assertThat(FrameHashes.video(output)).isNotEqualTo(FrameHashes.video(input));
  }

  @Test
  void grayscaleOutputEqualsTheFilterAppliedToTheInput() throws Exception {
    Path input = TestVideos.small(videos);
    JsonNode job = run(input, "grayscale", "grayscale", 10);
    Path output = Path.of(job.path("request").path("output").asText());
    assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.videoFiltered(input, "lutyuv=y=val:u=128:v=128"));
  }
}

package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
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

/** Bad input gets exit code 2 (or a failed job) with a reason naming the file, and the farm keeps serving. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
  @TempDir
  static Path work;

  private FarmNode farm;
  private String url;

  @BeforeAll
  void startFarm() {
    farm = TestFarms.embedded(work.resolve("farm"), 1);
    url = farm.apiUrl();
  }

  @AfterAll
  void stopFarm() {
    farm.close();
  }

  private record Run(int exitCode, String err) {}

  private Run farm(String... args) {
    StringWriter err = new StringWriter();
    int code = Farm.run(new PrintWriter(err, true), args);
    return new Run(code, err.toString());
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of("missing file", (Function<Path, Path>) dir -> dir.resolve("no-such-video.mp4"),
            "no-such-video.mp4"),
        Arguments.of("a directory", (Function<Path, Path>) dir -> dir, ""),
        Arguments.of("a text file", (Function<Path, Path>) TestVideos::textFile, ""),
        Arguments.of("random bytes", (Function<Path, Path>) TestVideos::randomBytes, ""),
        Arguments.of("audio only", (Function<Path, Path>) TestVideos::audioOnly, "video"),
        Arguments.of("truncated mp4", (Function<Path, Path>) TestVideos::truncatedMp4, ""),
        Arguments.of("zero frames", (Function<Path, Path>) TestVideos::zeroFrames, ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputIsRefusedWithExitCodeTwoAndAReasonNamingTheFile(String what, Function<Path, Path> make, String cause)
      throws Exception {
    Path dir = Files.createDirectories(work.resolve(what.replace(' ', '-')));
    Path input = make.apply(dir);
    Run run = farm("submit", input.toString(), "-o", work.resolve("out.mp4").toString(), "--coordinator", url);
    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains(input.toString()).contains(cause);

    // ... and the same farm then completes a good job.
    Path good = TestVideos.small(TestVideos.cacheDir());
    Path output = work.resolve("good-after-" + what.replace(' ', '-') + ".mp4");
    Run ok = farm("submit", good.toString(), "-o", output.toString(), "--lossless", "--chunk-frames", "25", "--wait",
        "--coordinator", url);
    assertThat(ok.exitCode()).as(ok.err()).isEqualTo(ExitCodes.OK);
    assertThat(FrameHashes.video(output)).isEqualTo(FrameHashes.video(good));
  }

  @Test
  void aCancelledJobStopsAndAnUnknownJobIsRefused() {
    FarmClient client = new FarmClient(url);
    String id = client.submit(TestFarms.job(TestVideos.h264Aac(TestVideos.cacheDir(), 20),
        work.resolve("cancelled.mp4"), "identity", 1, false));
    StringWriter out = new StringWriter();
    assertThat(Farm.run(new PrintWriter(out, true), new PrintWriter(new StringWriter()), "cancel", id,
        "--coordinator", url)).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains(id + " cancelled");
    assertThat(client.job(id).path("state").asText()).isEqualTo("CANCELLED");
    Run unknown = farm("cancel", "job-nope", "--coordinator", url);
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err()).contains("no job job-nope");
  }

  @Test
  void aWorkerWhoseScratchDirIsUnusableRefusesToStart() throws Exception {
    // Under a regular file, so that even root cannot create it.
    Path blocker = Files.writeString(work.resolve("not-a-dir"), "x");
    Run run = farm("worker", "--seed-nodes", "127.0.0.1:1", "--cpu-slots", "1", "--data-dir",
        blocker.resolve("data").toString());
    assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains("worker scratch dir " + blocker.resolve("data").resolve("work"))
        .contains("is not usable");
  }

  @Test
  void badUsageIsExitCodeTwo() {
    assertThat(farm("submit").exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(farm("no-such-command").exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    Run pipeline = farm("submit", TestVideos.small(TestVideos.cacheDir()).toString(), "-o",
        work.resolve("x.mp4").toString(), "--pipeline", "sparkle", "--coordinator", url);
    assertThat(pipeline.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(pipeline.err()).contains("unknown pipeline 'sparkle'");
    Run container = farm("submit", TestVideos.small(TestVideos.cacheDir()).toString(), "-o",
        work.resolve("x.avi").toString(), "--coordinator", url);
    assertThat(container.err()).contains("unsupported container 'avi'");
  }

  @Test
  void aPipelineThatCannotRunAnywhereIsRefusedWithItsSizes() throws Exception {
    Path model = io.framefarm.worker.onnx.testing.TestModels.weighted(work.resolve("huge.onnx"), 1024);
    Path tooBig = work.resolve("too-big.json");
    Files.writeString(tooBig, """
        { "name": "too-big", "models": [ { "id": "huge", "path": "%s", "input": { "width": 320, "height": 240 },
          "estimatedBytes": 1099511627776 } ], "stages": [ { "type": "frame-model", "model": "huge" } ] }
        """.formatted(model));
    TestFarms.awaitDevices(new FarmClient(url), 1); // budgets are known once the worker has reported
    Path video = TestVideos.small(TestVideos.cacheDir());
    Run run = farm("submit", video.toString(), "-o", work.resolve("big.mp4").toString(), "--pipeline",
        tooBig.toString(), "--coordinator", url);
    assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains("too-big").contains("1.0 TiB").contains("largest device budget");

    Path missing = work.resolve("missing-model.json");
    Files.writeString(missing, """
        { "name": "missing", "models": [ { "id": "gone", "path": "%s", "input": { "width": 320, "height": 240 } } ],
          "stages": [ { "type": "frame-model", "model": "gone" } ] }
        """.formatted(work.resolve("gone.onnx")));
    Run gone = farm("submit", video.toString(), "-o", work.resolve("gone.mp4").toString(), "--pipeline",
        missing.toString(), "--coordinator", url);
    assertThat(gone.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(gone.err()).contains("gone.onnx").contains("does not exist");
  }

  @Test
  void anInputThatVanishesAfterSubmitFailsTheJobNamingTheFileAndTheFarmGoesOn() throws Exception {
    Path copy = work.resolve("vanishing.mp4");
    Files.copy(TestVideos.small(TestVideos.cacheDir()), copy);
    FarmClient client = new FarmClient(url);
    String id = client.submit(TestFarms.job(copy, work.resolve("vanished.mp4"), "identity", 2, false));
    Files.delete(copy);

    JsonNode job = TestFarms.awaitFinished(client, id, Duration.ofMinutes(3));
    assertThat(job.path("state").asText()).isEqualTo("FAILED");
    // Where it fails depends on when the file went: a chunk cut that opens it (then every attempt fails), or, when
    // every chunk was cut from the file the validation left open, the assembly (which reads the source's audio).
    String failure = job.path("failure").asText();
    assertThat(failure).satisfiesAnyOf(
        f -> assertThat(f).contains("failed 3 times"),
        f -> assertThat(f).startsWith("assembly failed").contains("vanishing.mp4").contains("no such file"));
    if (failure.contains("failed 3 times")) {
      assertThat(job.path("attemptFailures")).hasSizeGreaterThanOrEqualTo(3);
    }
    job.path("attemptFailures").forEach(f -> assertThat(f.asText()).contains("vanishing.mp4"));

    Run status = farm("submit", TestVideos.small(TestVideos.cacheDir()).toString(), "-o",
        work.resolve("after-failure.mp4").toString(), "--wait", "--coordinator", url);
    assertThat(status.exitCode()).as(status.err()).isEqualTo(ExitCodes.OK);
  }
}

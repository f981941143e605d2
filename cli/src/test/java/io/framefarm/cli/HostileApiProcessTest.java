package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user trying to turn the API against its host, against {@code farm up} in a process of its own, listening on
 * every interface with a token. Every attempt is refused with a 4xx whose reason quotes nothing the coordinator
 * read, nothing is written outside the allowed root, and the farm then completes a good job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileApiProcessTest {
  private static final String TOKEN = "test-token-0123456789abcdef";
  /** Text that must never come back in an answer: it is in files the attacks point at. */
  private static final String SECRET = "TOPSECRET-4711";

  @TempDir
  static Path work;

  private FarmProcesses processes;
  private Path root;
  private Path outside;
  private Path input;
  private FarmClient client;
  private String apiUrl;

  @BeforeAll
  void startFarm() throws Exception {
    root = Files.createDirectories(work.resolve("root"));
    outside = Files.createDirectories(work.resolve("outside"));
    Files.writeString(outside.resolve("secret.json"), "{\"" + SECRET + "\": 1}");
    Files.writeString(root.resolve("notes.txt"), SECRET + " is the password\n");
    input = Files.createDirectories(root.resolve("media")).resolve("in.mp4");
    Files.copy(TestVideos.small(TestVideos.cacheDir()), input);
    int httpPort = FarmProcesses.freePort();
    processes = new FarmProcesses();
    Process farm = processes.start(work.resolve("farm.log"), List.of(), "up", "--cpu-slots", "1",
        "--http-host", "0.0.0.0", "--http-port", String.valueOf(httpPort), "--api-token", TOKEN,
        "--allowed-root", root.toString(), "--data-dir", root.resolve("data").toString());
    apiUrl = "http://127.0.0.1:" + httpPort;
    client = new FarmClient(apiUrl, TOKEN);
    Awaitility.await("the farm's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> farm.isAlive() && client.nodes() != null);
  }

  @AfterAll
  void stopFarm() throws InterruptedException {
    processes.close();
  }

  @Test
  @Order(0)
  void anOpenApiOffLoopbackIsRefusedAtStart() throws Exception {
    Path log = work.resolve("open.log");
    Process open = processes.start(log, List.of(), "up", "--cpu-slots", "1", "--http-host", "0.0.0.0",
        "--http-port", "0", "--data-dir", work.resolve("open").toString());
    assertThat(open.waitFor(2, TimeUnit.MINUTES)).as("exited").isTrue();
    assertThat(open.exitValue()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(Files.readString(log)).contains("binds to 0.0.0.0, which is not loopback: give it a token");
  }

  @Test
  @Order(1)
  void withoutTheRightTokenNothingAnswers() {
    for (FarmClient stranger : List.of(new FarmClient(apiUrl), new FarmClient(apiUrl, "wrong-token-0123456789"))) {
      assertThat(refusal(() -> stranger.submit(job(input, root.resolve("a.mp4"))))).satisfies(r -> {
        assertThat(r.status).isEqualTo(401);
        assertThat(r.getMessage()).contains("API token");
      });
      assertThat(refusal(stranger::nodes).status).isEqualTo(401);
      assertThat(refusal(() -> stranger.job("job-1")).status).isEqualTo(401);
    }
  }

  @Test
  @Order(2)
  void pipelinesComeOnlyFromThePipelinesDirOrTheRoots() {
    assertRefused(Map.of("pipeline", "/etc/shadow"), "outside the allowed roots");
    assertRefused(Map.of("pipeline", outside.resolve("secret.json").toString()), "outside the allowed roots");
    assertRefused(Map.of("pipeline", root.resolve("notes.txt").toString()), "does not parse as JSON (line 1");
    assertRefused(Map.of("pipeline", "../../etc/passwd"), "neither a name");
    assertRefused(Map.of("pipeline", "x".repeat(10_000)), "(10000 characters)");
  }

  @Test
  @Order(3)
  void outputsStayInsideTheRootsAndNeverReplaceAnything() throws Exception {
    assertRefused(Map.of("output", "/etc/framefarm-test.mp4"), "outside the allowed roots");
    assertThat(Path.of("/etc/framefarm-test.mp4")).doesNotExist();

    Path existing = root.resolve("existing.mp4");
    Files.writeString(existing, "keep me");
    assertRefused(Map.of("output", existing.toString()), "already exists");
    assertThat(Files.readString(existing)).isEqualTo("keep me");

    Path viaLink = Files.createSymbolicLink(root.resolve("link"), input.getParent()).resolve("in.mp4");
    assertRefused(Map.of("output", viaLink.toString(), "overwrite", true), "would overwrite the input");
    assertRefused(Map.of("output", input.toString(), "overwrite", true), "would overwrite the input");

    Path escape = Files.createSymbolicLink(root.resolve("escape"), outside);
    assertRefused(Map.of("output", escape.resolve("out.mp4").toString()), "leads outside the allowed roots");
    assertRefused(Map.of("output", root.resolve("../outside/out.mp4").toString()), "outside the allowed roots");
  }

  @Test
  @Order(4)
  void inputsAreRegularFilesInsideTheRootsAndRealVideos() throws Exception {
    assertRefused(Map.of("input", "/etc/passwd"), "outside the allowed roots");
    assertRefused(Map.of("input", "/etc/no-such-file"), "outside the allowed roots");
    assertRefused(Map.of("input", outside.resolve("secret.json").toString()), "outside the allowed roots");
    Path linkOut = Files.createSymbolicLink(root.resolve("secret-link.json"), outside.resolve("secret.json"));
    assertRefused(Map.of("input", linkOut.toString()), "leads outside the allowed roots");
    assertRefused(Map.of("input", root + "/in\0.mp4"), "contains a NUL character");
    assertRefused(Map.of("input", "relative/in.mp4"), "must be absolute");
    assertRefused(Map.of("input", root.resolve("notes.txt").toString()), "not a readable media file");

    Path png = TestVideos.generate(TestVideos.cacheDir(), "still-64x48.png", List.of("-f", "lavfi", "-i",
        "testsrc2=size=64x48:rate=1:duration=1", "-frames:v", "1", "-f", "image2", "-c:v", "png"));
    Path disguised = root.resolve("still.mp4");
    Files.copy(png, disguised);
    assertRefused(Map.of("input", disguised.toString()), "is a still image (png_pipe), not a video");
  }

  @Test
  @Order(5)
  void fifosAreRefusedWithoutBlockingTheFarm() throws Exception {
    List<CompletableFuture<FarmClient.Refused>> answers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Path fifo = root.resolve("fifo-" + i + ".mp4");
      Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
      assertThat(mkfifo.waitFor()).isZero();
      answers.add(CompletableFuture.supplyAsync(() -> refusal(() -> client.submit(job(fifo, root.resolve("f.mp4"))))));
    }
    for (var answer : answers) {
      FarmClient.Refused refused = answer.get(2, TimeUnit.MINUTES);
      assertThat(refused.status).isEqualTo(400);
      assertThat(refused.getMessage()).contains("is not a regular file");
    }
  }

  @Test
  @Order(6)
  void malformedRequestsGetReasonsThatQuoteNothing() {
    assertRefused(Map.of("chunkFrames", 1.5), "'chunkFrames' must be a whole number");
    assertRefused(Map.of("chunkFrames", "12"), "'chunkFrames' must be a whole number");
    assertRefused(Map.of(SECRET, 1), "unknown key '" + SECRET + "'", true);
    // Megabytes of pipeline name: refused for its size before anything reads it.
    FarmClient.Refused huge = refusal(() -> client.submit(job(Map.of("pipeline", "p".repeat(7_000_000)))));
    assertThat(huge.status).isEqualTo(413);
    assertThat(huge.getMessage().length()).isLessThan(1000);
  }

  @Test
  @Order(7)
  void afterAllThatAGoodJobCompletesAndNothingWasWrittenOutside() throws Exception {
    Path output = root.resolve("results").resolve("good.mp4");
    String id = client.submit(job(input, output));
    JsonNode done = TestFarms.awaitFinished(client, id, Duration.ofMinutes(3));
    assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
    assertThat(FrameHashes.video(output)).hasSize(90);
    try (Stream<Path> files = Files.walk(outside)) {
      assertThat(files.filter(Files::isRegularFile).toList()).containsExactly(outside.resolve("secret.json"));
    }
  }

  private Map<String, Object> job(Path in, Path out) {
    return TestFarms.job(in, out, "identity", 30, false);
  }

  /** A good job with {@code changes} applied. */
  private Map<String, Object> job(Map<String, Object> changes) {
    Map<String, Object> job = new java.util.LinkedHashMap<>(job(input, root.resolve("out.mp4")));
    job.putAll(changes);
    return job;
  }

  private void assertRefused(Map<String, Object> changes, String reason) {
    assertRefused(changes, reason, false);
  }

  /** A 400 with {@code reason} in it that quotes nothing secret (unless the request itself carried it). */
  private void assertRefused(Map<String, Object> changes, String reason, boolean secretInRequest) {
    FarmClient.Refused refused = refusal(() -> client.submit(job(changes)));
    assertThat(refused.status).as(refused.getMessage()).isEqualTo(400);
    assertThat(refused.getMessage()).contains(reason).hasSizeLessThan(1000);
    if (!secretInRequest) {
      assertThat(refused.getMessage()).doesNotContain(SECRET);
    }
  }

  private static FarmClient.Refused refusal(Runnable call) {
    FarmClient.Refused refused = catchThrowableOfType(FarmClient.Refused.class, call::run);
    assertThat(refused).as("the request was refused").isNotNull();
    return refused;
  }
}

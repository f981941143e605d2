package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.testing.FrameHashes;
import io.framefarm.media.testing.TestVideos;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * Inputs and outputs without shared storage: {@code farm submit --upload --wait} and {@code farm fetch} run in a
 * mount namespace where the coordinator's data dir is an empty tmpfs, with an input outside the coordinator's
 * allowed roots, and the fetched output of {@code identity --lossless} is the input frame for frame. Then the
 * refusals (no token, unknown job, unfinished job, output gone, not a video, an existing local output), a client
 * that disconnects mid-upload, and a coordinator stopped by SIGTERM that finishes the upload under way, refuses a
 * new one with 503 and exits 0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UploadFetchProcessTest {
  private static final String TOKEN = "upload-token-0123456789abcdef";
  /** Runs the rest of the command line with the folder {@code $0} hidden under an empty tmpfs. */
  private static final String HIDE = "mount -t tmpfs none \"$0\" && [ -z \"$(ls -A \"$0\")\" ] && exec \"$@\"";

  @TempDir
  static Path work;

  private FarmProcesses processes;
  private Path data;
  private Path root;
  private Path local;
  private Path input;
  private int httpPort;
  private String url;
  private FarmClient client;

  @BeforeAll
  void startFarm() throws Exception {
    data = work.resolve("data");
    root = Files.createDirectories(work.resolve("root"));
    local = Files.createDirectories(work.resolve("client"));
    input = local.resolve("in.mp4");
    Files.copy(TestVideos.small(TestVideos.cacheDir()), input);
    httpPort = FarmProcesses.freePort();
    url = "http://127.0.0.1:" + httpPort;
    processes = new FarmProcesses();
    // The data dir lies outside the explicit roots: its uploads and outputs folders are allowed all the same.
    Process farm = processes.start(work.resolve("farm.log"), List.of(), "up", "--cpu-slots", "1", "--http-port",
        String.valueOf(httpPort), "--api-token", TOKEN, "--data-dir", data.toString(), "--allowed-root",
        root.toString(), "--allowed-root", TestVideos.cacheDir().toString());
    client = new FarmClient(url, TOKEN);
    Awaitility.await("the farm's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> farm.isAlive() && client.nodes() != null);
    TestFarms.awaitDevices(client, 1);
  }

  @AfterAll
  void stopFarm() throws InterruptedException {
    processes.close();
  }

  @Test
  @Order(1)
  void submitUploadAndFetchRoundTripAVideoThroughADataDirTheClientCannotSee() throws Exception {
    FarmClient.Refused byPath = catchThrowableOfType(FarmClient.Refused.class,
        () -> client.submit(TestFarms.job(input, root.resolve("x.mp4"), "identity", 30, true)));
    assertThat(byPath.getMessage()).as("only the upload can bring the input").contains("outside the allowed roots");

    Path out = local.resolve("out.mp4");
    Client submit = hiddenClient("submit", "submit", input.toString(), "-o", out.toString(), "--upload",
        "--pipeline", "identity", "--lossless", "--chunk-frames", "30", "--wait");
    assertThat(submit.exit).as(submit.err).isZero();
    assertThat(submit.err).contains("Uploading in.mp4").contains("Fetching out.mp4");
    String id = submit.out.lines().findFirst().orElseThrow();
    assertThat(submit.out).contains(id + " fetched -> " + out);
    List<String> expected = FrameHashes.video(input);
    assertThat(expected).hasSize(90);
    assertThat(FrameHashes.video(out)).as("frame-exact after upload, identity --lossless, fetch").isEqualTo(expected);

    Path again = local.resolve("again.mp4");
    Client fetch = hiddenClient("fetch", "fetch", id, "-o", again.toString());
    assertThat(fetch.exit).as(fetch.err).isZero();
    assertThat(FrameHashes.video(again)).isEqualTo(expected);
    Client refused = hiddenClient("fetch-again", "fetch", id, "-o", again.toString());
    assertThat(refused.exit).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(refused.err).contains("already exists (--overwrite replaces it)");

    try (Stream<Path> uploads = Files.list(data.resolve("uploads"))) {
      assertThat(uploads.map(p -> p.getFileName().toString()).toList()).singleElement()
          .satisfies(name -> assertThat(name).startsWith("up-").endsWith(".mp4"));
    }
    JsonNode job = client.job(id);
    Files.delete(Path.of(job.path("request").path("output").asText()));
    assertThat(refusal(() -> client.download(id, false, local.resolve("gone.mp4"), n -> { }, n -> { })))
        .satisfies(r -> assertThat(r.status).isEqualTo(410));
    assertThat(local.resolve("gone.mp4")).doesNotExist();
  }

  @Test
  @Order(2)
  void refusalsComeBeforeAnythingIsSentOrWritten() throws Exception {
    Path existing = Files.writeString(local.resolve("existing.mp4"), "keep me");
    Cli upload = cli("submit", input.toString(), "-o", existing.toString(), "--upload");
    assertThat(upload.exit).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(upload.err).contains("already exists");
    assertThat(Files.readString(existing)).isEqualTo("keep me");

    Path notes = Files.writeString(local.resolve("notes.txt"), "not a video");
    FarmClient.Refused text = refusal(() -> client.upload(notes, n -> { }));
    assertThat(text.status).isEqualTo(400);
    assertThat(text.getMessage()).contains("video container extension");
    Cli notVideo = cli("submit", notes.toString(), "-o", local.resolve("n.mp4").toString(), "--upload");
    assertThat(notVideo.exit).as(notVideo.err).isEqualTo(ExitCodes.BAD_INPUT);

    FarmClient stranger = new FarmClient(url);
    // A body of a few bytes: the token is checked before the upload's route reads or drops anything.
    Path tiny = Files.writeString(local.resolve("tiny.mp4"), "x");
    assertThat(refusal(() -> stranger.upload(tiny, n -> { })).status).isEqualTo(401);
    assertThat(refusal(() -> stranger.download("job-x", false, local.resolve("s.mp4"), n -> { }, n -> { })).status)
        .isEqualTo(401);

    Cli unknown = cli("fetch", "job-nope", "-o", local.resolve("nope.mp4").toString());
    assertThat(unknown.exit).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err).contains("no job job-nope");
    try (Stream<Path> uploads = Files.list(data.resolve("uploads"))) {
      assertThat(uploads.count()).as("nothing more was stored").isEqualTo(1);
    }
  }

  @Test
  @Order(3)
  void aClientThatDisconnectsMidUploadLeavesNothingBehind() throws Exception {
    byte[] video = Files.readAllBytes(input);
    try (Socket socket = startUpload(httpPort, TOKEN, video.length)) {
      socket.getOutputStream().write(video, 0, video.length / 2);
      socket.getOutputStream().flush();
      Awaitility.await("the partial upload on disk").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
          .until(() -> parts(data).size() == 1);
    }
    Awaitility.await("the partial upload deleted").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
        .until(() -> parts(data).isEmpty());
    try (Stream<Path> uploads = Files.list(data.resolve("uploads"))) {
      assertThat(uploads.count()).as("nothing was stored").isEqualTo(1);
    }
  }

  @Test
  @Order(4)
  void anUnfinishedJobHasNoOutputToFetch() throws Exception {
    Path longer = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 60);
    String id = client.submit(TestFarms.job(longer, root.resolve("long.mp4"), "identity", 1800, false));
    FarmClient.Refused running = refusal(() -> client.download(id, false, local.resolve("l.mp4"), n -> { }, n -> { }));
    assertThat(running.status).isEqualTo(409);
    assertThat(running.getMessage()).contains("it has an output once it is COMPLETED");
    client.cancel(id);
    Cli cancelled = cli("fetch", id, "-o", local.resolve("l.mp4").toString());
    assertThat(cancelled.exit).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cancelled.err).contains("is CANCELLED");
    assertThat(local.resolve("l.mp4")).doesNotExist();
  }

  @Test
  @Order(5)
  void aStoppingCoordinatorFinishesTheUploadUnderWayRefusesNewOnesAndExitsZero() throws Exception {
    Path drainData = work.resolve("drain-data");
    int port = FarmProcesses.freePort();
    Path log = work.resolve("coordinator.log");
    Process coordinator = processes.start(log, List.of(), "coordinator", "--http-port", String.valueOf(port),
        "--data-dir", drainData.toString(), "--drain-timeout", "2m", "--allowed-root", work.toString(),
        "--allowed-root", TestVideos.cacheDir().toString());
    FarmClient plain = new FarmClient("http://127.0.0.1:" + port);
    Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .until(plain::healthy);
    byte[] video = Files.readAllBytes(input);
    try (Socket socket = startUpload(port, null, video.length)) {
      OutputStream body = socket.getOutputStream();
      body.write(video, 0, video.length / 2);
      body.flush();
      Awaitility.await("the upload under way").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
          .until(() -> parts(drainData).size() == 1);

      coordinator.destroy(); // SIGTERM
      Awaitility.await("the drain").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
          .until(() -> Files.readString(log).contains("new uploads are refused"));
      FarmClient.Unavailable refused = catchThrowableOfType(FarmClient.Unavailable.class,
          () -> plain.upload(input, n -> { }));
      assertThat(refused.getMessage()).contains("answered 503").contains("the coordinator is stopping");
      assertThat(coordinator.isAlive()).as("waits for the upload under way").isTrue();

      body.write(video, video.length / 2, video.length - video.length / 2);
      body.flush();
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      assertThat(status).startsWith("HTTP/1.1 201");
    }
    assertThat(coordinator.waitFor(1, TimeUnit.MINUTES)).as("stops once the upload is stored").isTrue();
    assertThat(coordinator.exitValue()).as(Files.readString(log)).isZero();
    assertThat(Files.readString(log)).contains("Uploads drained").contains("Coordinator stopped");
    try (Stream<Path> uploads = Files.list(drainData.resolve("uploads"))) {
      List<Path> stored = uploads.toList();
      assertThat(stored).singleElement().satisfies(p -> assertThat(Files.readAllBytes(p)).isEqualTo(video));
    }
  }

  /** Sends an upload's head by hand, so that a test decides when (and whether) its body arrives. */
  private static Socket startUpload(int port, String token, long length) throws Exception {
    Socket socket = new Socket("127.0.0.1", port);
    String head = "POST /api/v1/uploads?name=in.mp4 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + "Content-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n"
        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
    socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  private static List<Path> parts(Path dataDir) throws Exception {
    try (Stream<Path> files = Files.list(dataDir.resolve("uploads"))) {
      return files.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
    }
  }

  private record Client(int exit, String out, String err) {}

  /** {@code farm ARGS} as its own process in a mount namespace where the coordinator's data dir is empty. */
  private Client hiddenClient(String name, String... args) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of("unshare", "-m", "sh", "-c", HIDE, data.toString(),
        java.toString(), "-Xmx256m", "-Dframefarm.home=" + Path.of("..").toAbsolutePath().normalize(),
        "io.framefarm.cli.Farm"));
    command.addAll(Arrays.asList(args));
    command.addAll(List.of("--coordinator", url));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("FRAMEFARM_API_TOKEN", TOKEN);
    Path out = work.resolve(name + ".out");
    Path err = work.resolve(name + ".err");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
    }
    assertThat(process.isAlive()).as(name + " ended").isFalse();
    return new Client(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private record Cli(int exit, String err) {}

  /** {@code farm ARGS} against the farm, in this JVM: for the refusals, which need no hidden data dir. */
  private Cli cli(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--coordinator", url, "--api-token", TOKEN));
    StringWriter err = new StringWriter();
    int exit = Farm.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        all.toArray(String[]::new));
    return new Cli(exit, err.toString());
  }

  private static FarmClient.Refused refusal(Runnable call) {
    FarmClient.Refused refused = catchThrowableOfType(FarmClient.Refused.class, call::run);
    assertThat(refused).as("the request was refused").isNotNull();
    return refused;
  }
}

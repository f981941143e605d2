package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.SampleVideo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real browser (Debian's chromium) on a farm whose coordinator and worker are separate JVMs and
 * whose API needs a token: the page asks for the token, then, without reloading, shows a {@code redact-text} job
 * submitted after it opened reach COMPLETED with its chunk map, the device's memory timeline gain points, and the
 * job in the event feed. Leaves a screenshot in {@code target/dashboard.png} (docs/dashboard.png is one of these).
 */
class DashboardBrowserTest {
  private static final String TOKEN = "dashboard-test-token-0123456789";
  private static final Duration FINISH = Duration.ofMinutes(5);

  @TempDir
  Path work;

  @Test
  void theDashboardFollowsARedactTextJobLiveOnAProcessFarm() throws Exception {
    Path repo = Path.of(System.getProperty("user.dir")).getParent();
    assertThat(repo.resolve("models/ppocr/ch_PP-OCRv4_det_infer.onnx"))
        .as("PP-OCR models: run deploy/fetch-sample-models.sh (CI does)").exists();
    Path input = SampleVideo.generate(work.resolve("captioned.mp4"), SampleVideo.Pattern.BARS, 3, 640, 360, 30,
        "FRAMEFARM");
    int clusterPort = FarmProcesses.freePort();
    int httpPort = FarmProcesses.freePort();
    String base = "http://127.0.0.1:" + httpPort;
    try (FarmProcesses farm = new FarmProcesses()) {
      Process coordinator = farm.start(work.resolve("coordinator.log"), List.of(), "coordinator", "--allowed-root",
          work.toString(), "--port", String.valueOf(clusterPort), "--http-port", String.valueOf(httpPort),
          "--data-dir", work.resolve("coordinator").toString(), "--api-token", TOKEN);
      FarmClient client = new FarmClient(base, TOKEN);
      Awaitility.await("the coordinator's API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> coordinator.isAlive() && client.nodes() != null);
      farm.start(work.resolve("worker.log"), List.of(), "worker", "--seed-nodes", "127.0.0.1:" + clusterPort,
          "--port", "0", "--cpu-slots", "2", "--data-dir", work.resolve("worker").toString());
      TestFarms.awaitDevices(client, 2);

      try (Chromium chromium = Chromium.start(work.resolve("chromium"))) {
        chromium.driver.get(base + "/");
        // Without the token the API refuses the page's calls: it asks for it.
        WebElement tokenField = chromium.await("the page to ask for the API token", Duration.ofSeconds(30),
            d -> d.findElement(By.id("token")).isDisplayed() ? d.findElement(By.id("token")) : null);
        tokenField.sendKeys(TOKEN);
        chromium.driver.findElement(By.cssSelector("#token-form button")).click();
        chromium.await("the event stream to be live", Duration.ofSeconds(30),
            d -> "live".equals(d.findElement(By.id("connection")).getAttribute("data-state")));
        chromium.script("window.__sameDocument = 'yes';");
        By timeline = By.cssSelector(".timeline[data-device]");
        chromium.await("a device's memory timeline", Duration.ofSeconds(30),
            d -> d.findElements(timeline).size() >= 2);
        int pointsBefore = points(chromium, timeline);

        String id = client.submit(TestFarms.job(input, work.resolve("redacted.mp4"), "redact-text", 20, false));
        String row = "tr[data-job='" + id + "']";
        chromium.await("the job in the jobs table", Duration.ofSeconds(30), d -> chromium.text(row) != null);
        chromium.script("document.querySelector(arguments[0]).click();", row);
        chromium.await("the job's chunk map", Duration.ofSeconds(30),
            d -> !d.findElements(By.cssSelector("#chunk-map .chunk")).isEmpty());
        chromium.await("the job to reach RUNNING or beyond on the page", FINISH,
            d -> !"QUEUED".equals(chromium.text(row + " .state")));
        String finalState = chromium.await("the job to finish on the page", FINISH, d -> {
          String s = chromium.text(row + " .state");
          return List.of("COMPLETED", "FAILED", "CANCELLED").contains(s) ? s : null;
        });
        JsonNode job = client.job(id);
        assertThat(finalState).as(job.toString()).isEqualTo("COMPLETED");
        assertThat(chromium.script("return document.querySelector(arguments[0]).dataset.frames;", row + " .progress"))
            .isEqualTo(String.valueOf(job.path("totalFrames").asInt()));

        int chunks = job.path("chunks").asInt();
        chromium.await("every chunk DONE in the chunk map", Duration.ofSeconds(30), d -> d.findElements(
            By.cssSelector("#chunk-map .chunk[data-state='DONE']")).size() == chunks);
        assertThat(chromium.driver.findElements(By.cssSelector("#chunks tbody tr"))).hasSize(chunks);
        assertThat(chromium.text("#chunks tbody tr[data-chunk='0']")).contains("COMPLETED on").contains("host:");
        chromium.await("the memory timeline to gain points", Duration.ofSeconds(30),
            d -> points(chromium, timeline) >= pointsBefore + 3);
        chromium.await("the job's completion in the event feed", Duration.ofSeconds(30), d -> d.findElements(
            By.cssSelector("#feed li[data-type='JobCompleted']")).stream().anyMatch(e -> e.getText().contains(id)));
        chromium.await("a model load in the event feed", Duration.ofSeconds(30),
            d -> !d.findElements(By.cssSelector("#feed li[data-type='ModelLoaded']")).isEmpty());
        assertThat(chromium.script("return window.__sameDocument;")).as("the page never reloaded").isEqualTo("yes");

        Path shot = ((TakesScreenshot) chromium.driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
      }

      // Metrics and the API on the same port, behind the same token, with the worker in its own process.
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(401);
      String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
          .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("framefarm_device_memory_used_bytes{", "framefarm_chunks_completed_total",
          "framefarm_chunk_duration_seconds_bucket", "process_resident_memory_bytes", "jvm_memory_used_bytes");
    }
  }

  private static int points(Chromium chromium, By timeline) {
    return chromium.driver.findElements(timeline).stream()
        .mapToInt(e -> Integer.parseInt(e.getAttribute("data-points"))).max().orElse(0);
  }
}

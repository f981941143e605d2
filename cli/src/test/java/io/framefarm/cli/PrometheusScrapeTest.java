package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigValueFactory;
import io.framefarm.media.testing.TestVideos;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's {@code prometheus} package, started here on a free loopback port with its own
 * configuration and storage in a temporary folder) scrapes {@code /metrics} of a running farm, through the API
 * token as a bearer credentials file, and its query API answers the device memory and chunk series;
 * {@code promtool check metrics} finds nothing wrong with the exposition.
 */
class PrometheusScrapeTest {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  private static final String TOKEN = "metrics-test-token-0123456789";

  @TempDir
  Path work;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void prometheusScrapesTheFarmAndPromtoolFindsNoProblem() throws Exception {
    assertThat(Files.isExecutable(PROMETHEUS)).as(PROMETHEUS + " is missing: apt-get install prometheus (.ci/run does)")
        .isTrue();
    assertThat(Files.isExecutable(PROMTOOL)).as(PROMTOOL + " is missing: apt-get install prometheus (.ci/run does)")
        .isTrue();
    Path input = TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 2);
    var config = TestFarms.config(List.of("coordinator", "worker"), work.resolve("farm"), List.of(), 0)
        .withValue("framefarm.coordinator.api.token", ConfigValueFactory.fromAnyRef(TOKEN));
    try (FarmNode farm = FarmNode.start(config, 2)) {
      FarmClient client = new FarmClient(farm.apiUrl(), TOKEN);
      TestFarms.awaitDevices(client, 2);
      String id = client.submit(TestFarms.job(input, work.resolve("out.mp4"), "invert", 15, false));
      JsonNode job = TestFarms.awaitFinished(client, id, Duration.ofMinutes(3));
      assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("COMPLETED");
      int chunks = job.path("chunks").asInt();

      String metrics = get(farm.apiUrl() + "/metrics", TOKEN).body();
      assertThat(promtoolCheck(metrics)).as("promtool check metrics").isEmpty();

      int port = FarmProcesses.freePort();
      Process prometheus = startPrometheus(farm.httpAddress().orElseThrow().getPort(), port);
      try {
        String api = "http://127.0.0.1:" + port;
        Awaitility.await("prometheus to be ready").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions().until(() -> get(api + "/-/ready", null).statusCode() == 200);
        JsonNode up = Awaitility.await("a successful scrape").atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(500)).until(() -> query(api, "up{job=\"framefarm\"}"),
                r -> r.size() == 1 && r.get(0).path("value").get(1).asText().equals("1"));
        assertThat(up.get(0).path("metric").path("instance").asText()).endsWith(":" + farm.httpAddress()
            .orElseThrow().getPort());

        JsonNode used = query(api, "framefarm_device_memory_used_bytes");
        assertThat(used).as("device memory series").hasSize(2);
        assertThat(used.get(0).path("metric").path("node").asText()).startsWith("pekko://farm@127.0.0.1:");
        assertThat(used.get(0).path("metric").path("device").asText()).startsWith("host:");
        JsonNode budget = query(api, "framefarm_device_memory_budget_bytes");
        assertThat(budget.get(0).path("value").get(1).asDouble()).isPositive();
        JsonNode completed = query(api, "framefarm_chunks_completed_total");
        assertThat(completed).hasSize(1);
        assertThat(completed.get(0).path("value").get(1).asDouble()).isEqualTo(chunks);
        JsonNode durations = query(api, "framefarm_chunk_duration_seconds_count");
        assertThat(durations.get(0).path("value").get(1).asDouble()).isEqualTo(chunks);
        JsonNode finished = query(api, "framefarm_jobs_finished_total{state=\"completed\"}");
        assertThat(finished.get(0).path("value").get(1).asDouble()).isEqualTo(1);
        assertThat(query(api, "process_resident_memory_bytes")).hasSize(1);
        assertThat(query(api, "framefarm_transfer_bytes_total{direction=\"from_worker\"} > 0")).hasSize(1);

        // The Grafana dashboard in deploy/ asks only for series the farm has, in queries Prometheus accepts.
        JsonNode grafana = json.readTree(Path.of("..", "deploy", "grafana", "framefarm-dashboard.json").toFile());
        List<String> exprs = grafana.findValuesAsText("expr");
        assertThat(exprs).hasSizeGreaterThan(10);
        for (String expr : exprs) {
          query(api, expr.replace("$node", ".*").replace("$device", ".*"));
          Matcher names = Pattern.compile("\\b(framefarm_[a-z_]+|process_[a-z_]+|jvm_[a-z_]+)").matcher(expr);
          while (names.find()) {
            assertThat(metrics).as("a series of the Grafana query " + expr).contains(names.group(1));
          }
        }
      } finally {
        prometheus.destroy();
        if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
        }
      }
    }
  }

  /** Prometheus on {@code port}, scraping the farm every second with the token from a file, as deploy/ shows. */
  private Process startPrometheus(int farmPort, int port) throws IOException {
    Path tokenFile = Files.writeString(work.resolve("token"), TOKEN);
    Path config = Files.writeString(work.resolve("prometheus.yml"), String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "scrape_configs:",
        "  - job_name: framefarm",
        "    metrics_path: /metrics",
        "    authorization:",
        "      type: Bearer",
        "      credentials_file: " + tokenFile,
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + farmPort + "']",
        ""));
    ProcessBuilder builder = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + work.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port,
        "--log.level=warn");
    builder.redirectErrorStream(true).redirectOutput(work.resolve("prometheus.log").toFile());
    return builder.start();
  }

  /** What promtool reports about the exposition: empty when it has nothing to say. */
  private String promtoolCheck(String metrics) throws Exception {
    Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
    promtool.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
    promtool.getOutputStream().close();
    String said = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(promtool.waitFor(1, TimeUnit.MINUTES)).isTrue();
    return promtool.exitValue() == 0 ? said : "exit " + promtool.exitValue() + ": " + said;
  }

  private JsonNode query(String api, String promql) throws Exception {
    HttpResponse<String> response = get(api + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8), null);
    JsonNode answer = json.readTree(response.body());
    assertThat(answer.path("status").asText()).as(response.body()).isEqualTo("success");
    return answer.path("data").path("result");
  }

  private HttpResponse<String> get(String url, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}

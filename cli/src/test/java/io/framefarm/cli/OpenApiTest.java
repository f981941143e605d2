package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.media.SampleVideo;
import io.framefarm.media.testing.TestVideos;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI description the coordinator serves is valid (swagger-parser), describes exactly the routes the
 * server has ({@code Coordinator.httpRoutes()}, the table its routes are built from), and every described
 * operation answers on a running farm with a documented status and content type.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {
  @TempDir
  static Path work;

  private FarmNode farm;
  private FarmClient client;
  private String jobId;
  private OpenAPI description;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    Path repo = Path.of(System.getProperty("user.dir")).getParent();
    System.setProperty("framefarm.home", repo.toString());
    farm = TestFarms.embedded(work.resolve("farm"), 1);
    client = new FarmClient(farm.apiUrl());
    TestFarms.awaitDevices(client, 1);
    // A text pipeline, so that its findings can be asked for too.
    Path input = SampleVideo.generate(work.resolve("captioned.mp4"), SampleVideo.Pattern.BARS, 1, 640, 360, 30,
        "FRAMEFARM");
    jobId = client.submit(TestFarms.job(input, work.resolve("out.mp4"), "extract-text", 15, false));
    JsonNode job = TestFarms.awaitFinished(client, jobId, Duration.ofMinutes(3));
    assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("COMPLETED");

    HttpResponse<String> yaml = http.send(HttpRequest.newBuilder(URI.create(farm.apiUrl() + "/api/v1/openapi.yaml"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(yaml.statusCode()).isEqualTo(200);
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    options.setResolveFully(true);
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(yaml.body(), null, options);
    assertThat(parsed.getMessages()).as("swagger-parser's findings").isEmpty();
    description = parsed.getOpenAPI();
    assertThat(description).isNotNull();
  }

  @AfterAll
  void stop() {
    farm.close();
  }

  /**
   * Operations whose success needs a state this farm's job is not in: they must answer their described refusal.
   * A retry needs a job whose assembly failed (AssemblyRetryFarmTest covers that).
   */
  private static final Map<String, Integer> REFUSED_HERE = Map.of("POST /api/v1/jobs/{id}/retry", 409,
      // Draining would stop this farm's worker: an address that is no worker (DrainProcessTest drains one).
      "POST /api/v1/nodes/{node}/drain", 404);

  private List<String> described() {
    List<String> routes = new ArrayList<>();
    description.getPaths().forEach((path, item) -> item.readOperationsMap().keySet()
        .forEach(method -> routes.add(method.name() + " " + path)));
    return routes;
  }

  @Test
  void everyRouteOfTheServerIsDescribedAndNothingElse() {
    assertThat(new TreeSet<>(described())).isEqualTo(new TreeSet<>(farm.httpRoutes()));
  }

  @Test
  void everyDescribedOperationAnswersAsDescribed() throws Exception {
    for (var path : description.getPaths().entrySet()) {
      for (var entry : path.getValue().readOperationsMap().entrySet()) {
        Operation operation = entry.getValue();
        String method = entry.getKey().name();
        String url = farm.apiUrl() + fill(path.getKey(), operation);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2));
        if (path.getKey().equals("/api/v1/uploads")) {
          // A video's bytes, not a job: what farm submit --upload sends.
          request.uri(URI.create(url + "?name=in.mp4")).header("Content-Type", "application/octet-stream")
              .POST(HttpRequest.BodyPublishers.ofFile(TestVideos.small(TestVideos.cacheDir())));
        } else if (method.equals("POST") && operation.getRequestBody() != null) {
          Map<String, Object> job = TestFarms.job(TestVideos.h264Aac(TestVideos.cacheDir(), 320, 240, 30, 1),
              work.resolve("second.mp4"), "identity", 15, true);
          request.header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(client.json().writeValueAsBytes(job)));
        } else {
          request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        // The event stream never ends: its status and headers are the answer.
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        response.body().close();
        String what = method + " " + url;
        if (REFUSED_HERE.containsKey(method + " " + path.getKey())) {
          assertThat(response.statusCode()).as(what).isEqualTo(REFUSED_HERE.get(method + " " + path.getKey()));
        } else {
          assertThat(response.statusCode()).as(what).isBetween(200, 299);
        }
        ApiResponse documented = operation.getResponses().get(String.valueOf(response.statusCode()));
        assertThat(documented).as(what + " answered " + response.statusCode() + ", which is not described")
            .isNotNull();
        String type = response.headers().firstValue("Content-Type").orElse("").split(";")[0].trim();
        assertThat(documented.getContent()).as(what + " content types").containsKey(type);
      }
    }
  }

  @Test
  void aPathOutsideTheDescriptionIsNotFound() throws Exception {
    var response = http.send(HttpRequest.newBuilder(URI.create(farm.apiUrl() + "/api/v1/nothing-here")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(404);
    var wrongMethod = http.send(HttpRequest.newBuilder(URI.create(farm.apiUrl() + "/api/v1/nodes"))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
  }

  /** The template with real values: the finished job's id, the first value a path parameter may take. */
  private String fill(String template, Operation operation) {
    String path = template;
    for (Parameter p : operation.getParameters() == null ? List.<Parameter>of() : operation.getParameters()) {
      if (!"path".equals(p.getIn())) {
        continue;
      }
      Schema<?> schema = p.getSchema();
      String value = p.getName().equals("id") ? jobId
          : schema.getEnum() != null && !schema.getEnum().isEmpty() ? String.valueOf(schema.getEnum().get(0)) : "x";
      path = path.replace("{" + p.getName() + "}", value);
    }
    return path;
  }
}

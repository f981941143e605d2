package io.framefarm.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small client of the coordinator's HTTP API, used by the client commands and the tests. */
public final class FarmClient {
  /** A 4xx answer: the request was refused, with the coordinator's reason. */
  public static final class Refused extends RuntimeException {
    public final int status;

    Refused(int status, String reason) {
      super(reason);
      this.status = status;
    }
  }

  /** The coordinator could not be reached or failed. */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final String baseUrl;
  private final String authorization;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public FarmClient(String baseUrl) {
    this(baseUrl, null);
  }

  /** @param apiToken the coordinator's bearer token; null or empty when it has none */
  public FarmClient(String baseUrl, String apiToken) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.authorization = apiToken == null || apiToken.isEmpty() ? null : "Bearer " + apiToken;
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path));
    return authorization == null ? builder : builder.header("Authorization", authorization);
  }

  public ObjectMapper json() {
    return json;
  }

  /** Submits a job; returns its id. */
  public String submit(Map<String, Object> job) {
    return call("POST", "/api/v1/jobs", job).get("id").asText();
  }

  public JsonNode job(String id) {
    return call("GET", "/api/v1/jobs/" + id, null);
  }

  /** A page of jobs, newest first: {@code {"jobs": [...], "next": cursor or null}}; {@code after}: null at first. */
  public JsonNode jobs(int limit, String after) {
    String query = "?limit=" + limit + (after == null ? ""
        : "&after=" + java.net.URLEncoder.encode(after, java.nio.charset.StandardCharsets.UTF_8));
    return call("GET", "/api/v1/jobs" + query, null);
  }

  public JsonNode cancel(String id) {
    return call("POST", "/api/v1/jobs/" + id + "/cancel", null);
  }

  /** Assembles again a job whose assembly failed (409 for any other job). */
  public JsonNode retry(String id) {
    return call("POST", "/api/v1/jobs/" + id + "/retry", null);
  }

  /** Drains the worker node at {@code node} (HOST:PORT or its full address): {@code {"node": ..., "state": ...}}. */
  public JsonNode drain(String node) {
    return call("POST", "/api/v1/nodes/" + java.net.URLEncoder.encode(node, java.nio.charset.StandardCharsets.UTF_8)
        + "/drain", null);
  }

  public JsonNode nodes() {
    return call("GET", "/api/v1/nodes", null);
  }

  /** Follows the server-sent memory events, calling {@code onEvent} for each, until the stream ends. */
  public void events(java.util.function.Consumer<JsonNode> onEvent) {
    events("", (type, data) -> {
      onEvent.accept(data);
      return true;
    });
  }

  /**
   * Follows {@code GET /api/v1/events?QUERY}, calling {@code onEvent} with each event's name and data, until the
   * stream ends or {@code onEvent} answers false.
   */
  public void events(String query, java.util.function.BiPredicate<String, JsonNode> onEvent) {
    HttpRequest request = request("/api/v1/events" + (query.isEmpty() ? "" : "?" + query))
        .header("Accept", "text/event-stream").GET().build();
    try {
      HttpResponse<java.util.stream.Stream<String>> response = http.send(request,
          HttpResponse.BodyHandlers.ofLines());
      if (response.statusCode() == 401) {
        throw new Refused(401, "missing or wrong API token (--api-token, FRAMEFARM_API_TOKEN)");
      }
      if (response.statusCode() != 200) {
        throw new Unavailable("coordinator at " + baseUrl + " answered " + response.statusCode() + " for events", null);
      }
      // An event is its lines up to a blank line; its name may come before or after its data.
      String type = "message";
      StringBuilder data = new StringBuilder();
      try (var lines = response.body()) {
        java.util.Iterator<String> it = lines.iterator();
        while (it.hasNext()) {
          String line = it.next();
          if (line.startsWith("event:")) {
            type = line.substring(6).trim();
          } else if (line.startsWith("data:")) {
            data.append(data.length() > 0 ? "\n" : "").append(line.substring(5).trim());
          } else if (line.isEmpty()) {
            if (data.length() > 0 && !onEvent.test(type, json.readTree(data.toString()))) {
              return;
            }
            type = "message";
            data.setLength(0);
          }
        }
      }
    } catch (IOException e) {
      throw new Unavailable("cannot reach the coordinator at " + baseUrl + " (" + e.getMessage() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** True when the coordinator answers its health check. */
  public boolean healthy() {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/health"))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** The answer as JSON; Pekko HTTP's own errors (unknown path, timeouts) are plain text, kept as {"error": text}. */
  private JsonNode parse(String body) {
    if (body.isEmpty()) {
      return json.nullNode();
    }
    try {
      return json.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return json.createObjectNode().put("error", body.strip());
    }
  }

  private JsonNode call(String method, String path, Object body) {
    try {
      HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body));
      // A submission probes the whole input before it answers.
      Duration timeout = method.equals("POST") ? Duration.ofMinutes(5) : Duration.ofSeconds(60);
      HttpRequest request = request(path).timeout(timeout)
          .header("Content-Type", "application/json").method(method, publisher).build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode answer = parse(response.body());
      int status = response.statusCode();
      if (status >= 400 && status < 500) {
        throw new Refused(status, answer.path("error").asText(response.body()));
      }
      if (status >= 500) {
        throw new Unavailable("coordinator at " + baseUrl + " answered " + status + ": "
            + answer.path("error").asText(response.body()), null);
      }
      return answer;
    } catch (IOException e) {
      throw new Unavailable("cannot reach the coordinator at " + baseUrl + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is `farm up` running?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted", e);
    }
  }
}

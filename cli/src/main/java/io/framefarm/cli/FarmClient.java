package io.framefarm.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

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

  /**
   * Streams {@code file} to {@code POST /api/v1/uploads}, calling {@code sent} with the bytes sent so far; returns
   * the answer: {@code {"id", "path" (the stored input on the coordinator), "bytes", "outputDir"}}. No {@code
   * Expect: 100-continue}: JDK 17's client waits for ever when the answer to it is a refusal rather than 100.
   */
  public JsonNode upload(Path file, LongConsumer sent) {
    try {
      HttpRequest.BodyPublisher body = counting(HttpRequest.BodyPublishers.ofFile(file), sent);
      HttpRequest request = request("/api/v1/uploads?name=" + URLEncoder.encode(file.getFileName().toString(),
              StandardCharsets.UTF_8))
          .version(HttpClient.Version.HTTP_1_1)
          .header("Content-Type", "application/octet-stream").POST(body).build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return answer(response);
    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new IllegalArgumentException("input " + file + ": no such file", e);
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted", e);
    }
  }

  /**
   * Downloads a completed job's output ({@code text}: its text sidecar) to {@code target}: into a temporary file
   * beside it, renamed over {@code target} once every byte has arrived, so an interrupted fetch leaves no half
   * video. {@code size} hears the length, {@code received} the bytes so far. False when the job has no such file
   * (404 for a sidecar).
   */
  public boolean download(String jobId, boolean text, Path target, LongConsumer size, LongConsumer received) {
    String path = "/api/v1/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "/output"
        + (text ? "/text" : "");
    Path part = null;
    try {
      HttpRequest request = request(path).timeout(Duration.ofSeconds(60)).GET().build();
      HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (java.io.InputStream in = response.body()) {
        if (response.statusCode() != 200) {
          String error = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          if (text && response.statusCode() == 404) {
            return false;
          }
          answer(response.statusCode(), error);
          throw new Unavailable("coordinator at " + baseUrl + " answered " + response.statusCode() + " for " + path,
              null);
        }
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        size.accept(length);
        Path dir = target.toAbsolutePath().getParent();
        part = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        long copied = 0;
        byte[] buffer = new byte[1 << 16];
        try (var out = Files.newOutputStream(part)) {
          for (int n; (n = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
            copied += n;
            received.accept(copied);
          }
        }
        if (length >= 0 && copied != length) {
          throw new Unavailable("the download of " + path + " ended after " + copied + " of " + length + " bytes",
              null);
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        part = null;
        return true;
      }
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted", e);
    } finally {
      if (part != null) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException e) {
          // The failure that led here is what the user needs to see.
        }
      }
    }
  }

  /** {@code inner}'s bytes, counted as the HTTP client takes them. */
  private static HttpRequest.BodyPublisher counting(HttpRequest.BodyPublisher inner, LongConsumer sent) {
    return new HttpRequest.BodyPublisher() {
      @Override
      public long contentLength() {
        return inner.contentLength();
      }

      @Override
      public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        inner.subscribe(new Flow.Subscriber<ByteBuffer>() {
          private long total;

          @Override
          public void onSubscribe(Flow.Subscription subscription) {
            subscriber.onSubscribe(subscription);
          }

          @Override
          public void onNext(ByteBuffer item) {
            total += item.remaining(); // before the client reads it
            subscriber.onNext(item);
            sent.accept(total);
          }

          @Override
          public void onError(Throwable throwable) {
            subscriber.onError(throwable);
          }

          @Override
          public void onComplete() {
            subscriber.onComplete();
          }
        });
      }
    };
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
      return answer(response);
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted", e);
    }
  }

  private JsonNode answer(HttpResponse<String> response) {
    return answer(response.statusCode(), response.body());
  }

  /** The answer as JSON when it is a success; a 4xx is {@link Refused}, a 5xx {@link Unavailable}. */
  private JsonNode answer(int status, String body) {
    JsonNode answer = parse(body);
    if (status >= 400 && status < 500) {
      throw new Refused(status, answer.path("error").asText(body));
    }
    if (status >= 500) {
      throw new Unavailable("coordinator at " + baseUrl + " answered " + status + ": "
          + answer.path("error").asText(body), null);
    }
    return answer;
  }

  private Unavailable unreachable(IOException e) {
    return new Unavailable("cannot reach the coordinator at " + baseUrl + " (" + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is `farm up` running?", e);
  }
}

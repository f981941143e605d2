package io.framefarm.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/uploads?name=in.mp4}: a client without access to the coordinator's file system sends its
 * input here, and submits the job with the stored path the answer gives. The body streams to
 * {@code <data-dir>/uploads/<id>.<ext>.part} and is renamed when every byte has arrived, so a client that
 * disconnects leaves nothing a job could take for a whole video. Outputs of such jobs go to
 * {@code <data-dir>/outputs}; both folders are always allowed roots.
 */
final class UploadRoutes extends AllDirectives {
  /** Video containers FFmpeg reads; the probe at submission checks the contents, this only keeps out the rest. */
  static final Set<String> VIDEO_EXTENSIONS = Set.of("mp4", "m4v", "mov", "mkv", "webm", "avi", "ts", "mts", "m2ts",
      "mxf", "flv", "mpg", "mpeg", "wmv", "3gp", "ogv");

  /** The largest refused body read to its end so that its client sees the answer (see {@link #readable}). */
  static final long DISCARD_AT_MOST = 16L << 20;

  private static final Logger log = LoggerFactory.getLogger(UploadRoutes.class);

  private final Path uploads;
  private final Path outputs;
  /** {@code framefarm.coordinator.uploads.max-bytes}: the JSON routes' 64 KiB limit does not apply here. */
  private final long maxBytes;
  /** A large upload over a slow link outlasts the server's 20 s request timeout by far. */
  private final Duration requestTimeout;
  private final UploadGate gate;
  private final Materializer materializer;
  /** Renames and deletes: file system calls, kept off the HTTP server's threads. */
  private final Executor files;
  private final ObjectMapper json;

  UploadRoutes(ActorSystem<?> system, Path dataDir, UploadGate gate, Executor files, ObjectMapper json) {
    var settings = system.settings().config().getConfig("framefarm.coordinator.uploads");
    this.uploads = uploadsDir(dataDir);
    this.outputs = outputsDir(dataDir);
    this.maxBytes = settings.getBytes("max-bytes");
    this.requestTimeout = settings.getDuration("request-timeout");
    this.gate = gate;
    this.materializer = Materializer.matFromSystem(system);
    this.files = files;
    this.json = json;
  }

  static Path uploadsDir(Path dataDir) {
    return dataDir.resolve("uploads");
  }

  static Path outputsDir(Path dataDir) {
    return dataDir.resolve("outputs");
  }

  Route upload() {
    return parameterOptional("name", name -> optionalHeaderValueByName("Expect", expect -> withRequestTimeout(
        requestTimeout, () -> withSizeLimit(maxBytes, () -> extractRequestEntity(entity -> completeWithFuture(
            store(name, entity).thenCompose(response -> readable(response, entity, expect))))))));
  }

  /**
   * A refusal after a client sent its body anyway: a small body is read and dropped first, so that the client,
   * still writing it, reads the reason rather than a reset connection. A client that asked {@code Expect:
   * 100-continue} sends nothing before the answer; a large body is not worth reading to refuse it.
   */
  private CompletionStage<HttpResponse> readable(HttpResponse response, RequestEntity entity,
      Optional<String> expect) {
    boolean continues = expect.map(e -> e.equalsIgnoreCase("100-continue")).orElse(false);
    long length = entity.getContentLengthOption().orElse(Long.MAX_VALUE);
    if (response.status().isSuccess() || continues || length > DISCARD_AT_MOST) {
      return CompletableFuture.completedFuture(response);
    }
    return entity.discardBytes(materializer).completionStage().handle((done, error) -> response);
  }

  /** Every refusal comes before the body is read. */
  private CompletionStage<HttpResponse> store(Optional<String> name, RequestEntity entity) {
    Optional<String> ext = name.map(UploadRoutes::extension).filter(VIDEO_EXTENSIONS::contains);
    if (ext.isEmpty()) {
      return done(error(StatusCodes.BAD_REQUEST, "upload " + Shown.text(name.orElse("without ?name="))
          + ": give the file's name with a video container extension (" + String.join(", ",
              VIDEO_EXTENSIONS.stream().sorted().toList()) + ")"));
    }
    OptionalLong length = entity.getContentLengthOption();
    if (length.isEmpty()) {
      return done(error(StatusCodes.LENGTH_REQUIRED, "an upload needs a Content-Length (no chunked encoding)"));
    }
    if (length.getAsLong() > maxBytes) {
      return done(error(StatusCodes.PAYLOAD_TOO_LARGE, "the upload is " + length.getAsLong() + " bytes; at most "
          + maxBytes + " are accepted (framefarm.coordinator.uploads.max-bytes)"));
    }
    try {
      long free = Files.getFileStore(uploads).getUsableSpace();
      if (free < length.getAsLong()) {
        return done(error(StatusCodes.INSUFFICIENT_STORAGE, "the coordinator's data dir has " + free
            + " bytes free, the upload needs " + length.getAsLong()));
      }
    } catch (IOException e) {
      return done(error(StatusCodes.INTERNAL_SERVER_ERROR, "the uploads folder cannot be read: " + e.getMessage()));
    }
    if (!gate.tryEnter()) {
      return done(error(StatusCodes.SERVICE_UNAVAILABLE, "the coordinator is stopping: it takes no new uploads "
          + "(the ones under way may finish); try again once it is back"));
    }
    String id = "up-" + UUID.randomUUID();
    Path part = uploads.resolve(id + "." + ext.get() + ".part");
    Path stored = uploads.resolve(id + "." + ext.get());
    CompletionStage<IOResult> written;
    try {
      written = entity.getDataBytes().runWith(FileIO.toPath(part), materializer);
    } catch (RuntimeException e) {
      gate.leave();
      throw e;
    }
    return written.handleAsync((io, error) -> {
      try {
        if (error != null || io.count() != length.getAsLong()) {
          Files.deleteIfExists(part);
          String why = error != null ? "the upload broke off (" + rootMessage(error) + ")"
              : "the upload ended after " + io.count() + " of " + length.getAsLong() + " bytes";
          log.info("Upload {} not stored: {}", id, why);
          return error(StatusCodes.BAD_REQUEST, why);
        }
        Files.move(part, stored, StandardCopyOption.ATOMIC_MOVE);
        log.info("Stored upload {} ({} bytes) as {}", Shown.text(name.get()), io.count(), stored);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        answer.put("path", stored.toString());
        answer.put("bytes", io.count());
        answer.put("outputDir", outputs.toString());
        return respond(StatusCodes.CREATED, answer);
      } catch (IOException e) {
        deleteQuietly(part);
        return error(StatusCodes.INTERNAL_SERVER_ERROR, "the upload could not be stored: " + e.getMessage());
      } finally {
        gate.leave();
      }
    }, files);
  }

  private static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + Shown.text(t.getMessage()));
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Reported with the failure that led here.
    }
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private HttpResponse error(StatusCode status, String reason) {
    return respond(status, Map.of("error", reason));
  }

  private HttpResponse respond(StatusCode status, Object body) {
    try {
      return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON,
          json.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Could not write JSON for " + body.getClass().getSimpleName(), e);
    }
  }
}

package io.framefarm.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framefarm.coordinator.transfer.TextSidecars;
import io.framefarm.protocol.JobApi.JobStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.javadsl.FileIO;

/**
 * {@code GET /api/v1/jobs/{id}/output} and {@code .../output/text}: a completed job's output video, and the text
 * sidecar of a pipeline that reads text, streamed from the coordinator's disk, so that a client that cannot see
 * it ({@code farm fetch}) still gets the result. The file is served only while it is still a regular file under
 * the allowed roots: a path replaced by a link to elsewhere since the job completed is not followed. Blocking file
 * checks: called on the validation pool.
 */
final class OutputRoutes {
  private final PathRules paths;
  private final ObjectMapper json;

  OutputRoutes(PathRules paths, ObjectMapper json) {
    this.paths = paths;
    this.json = json;
  }

  /** The answer for {@code job}: its file (200), or why not (409 not completed, 404 no sidecar, 410 gone). */
  HttpResponse answer(JobStatus job, boolean text) {
    if (!job.state().equals("COMPLETED")) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", "job " + job.id() + " is " + job.state() + ": it has an output once it is COMPLETED");
      body.put("state", job.state());
      return respond(StatusCodes.CONFLICT, body);
    }
    Path output = Path.of(job.request().output());
    Path file = text ? TextSidecars.sidecarFor(output) : output;
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return text
          ? error(StatusCodes.NOT_FOUND, "job " + job.id() + " has no text sidecar (its pipeline reads no text)")
          : error(StatusCodes.GONE, "the output of job " + job.id() + " is gone: " + file
              + " was deleted or moved since the job completed");
    }
    Path real;
    long size;
    try {
      real = paths.input(text ? "text sidecar" : "output", file.toString());
      size = Files.size(real);
    } catch (InvalidJobException e) {
      return error(StatusCodes.GONE, "the " + (text ? "text sidecar" : "output") + " of job " + job.id()
          + " can no longer be served: " + e.getMessage());
    } catch (IOException e) {
      return error(StatusCodes.GONE, "the output of job " + job.id() + " cannot be read: " + e.getMessage());
    }
    ContentType type = text ? ContentTypes.APPLICATION_JSON : ContentTypes.APPLICATION_OCTET_STREAM;
    return HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(type, size, FileIO.fromPath(real)));
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

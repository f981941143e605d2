package io.framefarm.coordinator.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.framefarm.coordinator.activity.JobActivity;
import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.memory.ClusterMemoryView;
import io.framefarm.coordinator.metrics.FarmMetrics;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.JobManagerCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The coordinator's HTTP server: the JSON API under {@code /api/v1} (submit, list, inspect and cancel jobs; nodes;
 * events; its OpenAPI description), the dashboard at {@code /} and Prometheus metrics at {@code /metrics}. Every
 * route is one {@link Endpoint}; all but the health check, the OpenAPI description and the dashboard's static
 * files need the API token when one is configured.
 */
public final class HttpApi extends AllDirectives {
  private final ActorSystem<?> system;
  /** How long a request waits for the job manager ({@code framefarm.coordinator.api.ask-timeout}). */
  private final Duration askTimeout;
  /** A submission probes its input (a packet scan of the whole file) before it answers. */
  private final Duration submitTimeout;
  private final ActorRef<JobManagerCommand> jobManager;
  private final JobValidator validator;
  /** Parsing and validating submissions (a validation probes the whole input), apart from the media pool. */
  private final Executor validation;
  /** Strict: unknown keys, {@code 1.5} or {@code "12"} for a whole number are refused, not guessed at. */
  private final ObjectMapper json = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .build();
  /** Who may call the API; open when no token is configured (loopback only, see {@link ApiToken}). */
  private final ApiToken token;
  /** A job request is a few paths and numbers; a body beyond this is refused (413) before it is read. */
  private final long maxRequestBytes;

  private final MemoryRoutes memory;
  private final EventStream events;
  private final DashboardRoutes dashboard = new DashboardRoutes();
  private final byte[] openApi = DashboardRoutes.read("io/framefarm/coordinator/api/openapi.yaml");
  private final DrainRoutes drain;
  /** Uploads under way, closed for new ones when the coordinator stops. */
  private final UploadGate uploadGate = new UploadGate();
  private final UploadRoutes uploads;
  private final OutputRoutes outputs;
  /** Finished jobs that left the job manager's live state. */
  private final JobHistory history;
  private final JobPages pages;
  private final ActorRef<JobActivity.Command> activity;
  private final FarmMetrics metrics;
  private final List<Endpoint> endpoints;

  public HttpApi(ActorSystem<?> system, ActorRef<JobManagerCommand> jobManager, JobValidator validator,
      ActorRef<ClusterMemoryView.Command> memoryView, JobHistory history, ActorRef<JobActivity.Command> activity,
      FarmMetrics metrics, Path dataDir) {
    this.system = system;
    this.askTimeout = system.settings().config().getDuration("framefarm.coordinator.api.ask-timeout");
    this.submitTimeout = system.settings().config().getDuration("framefarm.coordinator.api.submit-timeout");
    this.maxRequestBytes = system.settings().config().getBytes("framefarm.coordinator.api.max-request-bytes");
    this.token = ApiToken.fromConfig(system.settings().config().getConfig("framefarm.coordinator"));
    this.history = history;
    this.pages = new JobPages(history);
    this.memory = new MemoryRoutes(system, memoryView, json);
    this.events = new EventStream(system, memory, activity, jobManager, askTimeout, json);
    this.activity = activity;
    this.metrics = metrics;
    this.drain = new DrainRoutes(system, json);
    this.jobManager = jobManager;
    this.validator = validator;
    this.validation = system.dispatchers().lookup(
        DispatcherSelector.fromConfig("framefarm.coordinator.validation-dispatcher"));
    this.uploads = new UploadRoutes(system, dataDir, uploadGate, validation, json);
    this.outputs = new OutputRoutes(validator.paths(), json);
    this.endpoints = List.of(
        // The dashboard's page and files hold nothing secret: they are open, and the page asks for the token.
        new Endpoint(HttpMethods.GET, "/", true, v -> dashboard.page()),
        new Endpoint(HttpMethods.GET, "/dashboard/{file}", true, v -> dashboard.file(v.get(0))),
        new Endpoint(HttpMethods.GET, "/metrics", false, v -> metrics()),
        // Open, for load balancers and liveness probes: it says nothing but "up".
        new Endpoint(HttpMethods.GET, "/api/v1/health", true, v -> complete(StatusCodes.OK, Map.of("status", "ok"))),
        new Endpoint(HttpMethods.GET, "/api/v1/openapi.yaml", true, v -> openApi()),
        new Endpoint(HttpMethods.GET, "/api/v1/nodes", false, v -> memory.nodes()),
        new Endpoint(HttpMethods.POST, "/api/v1/nodes/{node}/drain", false, v -> drain.drain(v.get(0))),
        new Endpoint(HttpMethods.GET, "/api/v1/events", false, v -> eventStream()),
        new Endpoint(HttpMethods.POST, "/api/v1/jobs", false, v -> withRequestTimeout(submitTimeout,
            () -> entity(Unmarshaller.entityToString(), this::submit))),
        new Endpoint(HttpMethods.GET, "/api/v1/jobs", false, v -> parameterOptional("limit", limit ->
            parameterOptional("after", after -> listJobs(limit.orElse(null), after.orElse(null))))),
        new Endpoint(HttpMethods.GET, "/api/v1/jobs/{id}", false, v -> jobStatus(v.get(0))),
        new Endpoint(HttpMethods.POST, "/api/v1/jobs/{id}/cancel", false, v -> cancel(v.get(0))),
        new Endpoint(HttpMethods.POST, "/api/v1/jobs/{id}/retry", false, v -> retry(v.get(0))),
        new Endpoint(HttpMethods.GET, "/api/v1/jobs/{id}/chunks", false, v -> chunks(v.get(0))),
        new Endpoint(HttpMethods.GET, "/api/v1/jobs/{id}/texts", false, v -> texts(v.get(0))),
        new Endpoint(HttpMethods.GET, "/api/v1/jobs/{id}/output", false, v -> output(v.get(0), false)),
        new Endpoint(HttpMethods.GET, "/api/v1/jobs/{id}/output/text", false, v -> output(v.get(0), true)),
        // Its own size limit and request timeout: a video, not a JSON body.
        new Endpoint(HttpMethods.POST, "/api/v1/uploads", false, v -> uploads.upload()));
  }

  /** Every route this server has, in the order they are tried. */
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  public Route routes() {
    return extractRequest(request -> {
      long length = request.entity().getContentLengthOption().orElse(-1);
      boolean upload = request.getUri().path().equals("/api/v1/uploads");
      if (!upload && length > maxRequestBytes) {
        return tooLarge(request.entity(), length);
      }
      return withSizeLimit(maxRequestBytes, () -> Endpoint.routes(endpoints, token, this::unauthorized));
    });
  }

  /**
   * A JSON body over the limit, refused by its Content-Length before anything parses it. A client still sending it
   * would read a reset connection instead of the answer, so a body of up to {@link UploadRoutes#DISCARD_AT_MOST}
   * is read and dropped first; a larger one is answered at once (and the client may see only the reset).
   */
  private Route tooLarge(org.apache.pekko.http.javadsl.model.RequestEntity entity, long length) {
    HttpResponse refusal = error(StatusCodes.PAYLOAD_TOO_LARGE, "the request body is " + length
        + " bytes; the API takes at most " + maxRequestBytes + " (framefarm.coordinator.api.max-request-bytes)");
    if (length > UploadRoutes.DISCARD_AT_MOST) {
      return complete(refusal);
    }
    return completeWithFuture(entity.discardBytes(system).completionStage().handle((done, error) -> refusal));
  }

  private Route openApi() {
    return complete(HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(ContentTypes.create(MediaTypes.applicationWithOpenCharset("yaml"), HttpCharsets.UTF_8), openApi));
  }

  private Route eventStream() {
    return parameterOptional("reports", reports -> parameterOptional("farm", farm -> parameterOptional("progress",
        progress -> completeOK(events.events(flag(reports), flag(farm), flag(progress)),
            EventStreamMarshalling.toEventStream()))));
  }

  private static boolean flag(Optional<String> value) {
    return value.map(Boolean::parseBoolean).orElse(false);
  }

  /** The job manager's live jobs by state are read at scrape time; the rest is kept up to date as it happens. */
  private Route metrics() {
    CompletionStage<HttpResponse> response = AskPattern.<JobManagerCommand, JobList>ask(jobManager, ListJobs::new,
            askTimeout, system.scheduler())
        .handle((list, error) -> {
          if (list != null) {
            metrics.liveJobs(list.jobs().stream().collect(Collectors.groupingBy(JobStatus::state,
                Collectors.counting())));
          }
          return HttpResponse.create().withStatus(StatusCodes.OK)
              .withEntity(ContentTypes.parse(FarmMetrics.contentType()), metrics.scrape());
        });
    return completeWithFuture(response);
  }

  /** Each chunk's attempts as the journal's read side saw them. */
  private Route chunks(String id) {
    CompletionStage<HttpResponse> response = AskPattern.<JobActivity.Command, JobActivity.Chunks>ask(activity,
            replyTo -> new JobActivity.GetChunks(id, replyTo), askTimeout, system.scheduler())
        .thenApply(c -> c.job().map(job -> respond(StatusCodes.OK, job)).orElseGet(() -> error(StatusCodes.NOT_FOUND,
            "no chunk map for job " + Shown.text(id) + " (finished jobs leave it when they are archived)")))
        .exceptionally(this::unavailable);
    return completeWithFuture(response);
  }

  /** What a text pipeline found in a completed job. */
  private Route texts(String id) {
    CompletionStage<HttpResponse> response = jobStatusOf(id)
        .thenApplyAsync(status -> status.map(s -> JobDetails.texts(s, json).map(t -> respond(StatusCodes.OK, t))
            .orElseGet(() -> error(StatusCodes.NOT_FOUND, "job " + s.id() + " has no text findings (its pipeline "
                + "reads no text, or it has not completed)")))
            .orElseGet(() -> error(StatusCodes.NOT_FOUND, "no job " + Shown.text(id))), validation)
        .exceptionally(this::unavailable);
    return completeWithFuture(response);
  }

  /** A completed job's output video, or its text sidecar, streamed from the coordinator's disk. */
  private Route output(String id, boolean text) {
    CompletionStage<HttpResponse> response = jobStatusOf(id)
        .thenApplyAsync(status -> status.map(s -> outputs.answer(s, text))
            .orElseGet(() -> error(StatusCodes.NOT_FOUND, "no job " + Shown.text(id))), validation)
        .exceptionally(this::unavailable);
    return completeWithFuture(response);
  }

  /** Uploads under way: coordinated shutdown drains them before the server unbinds. */
  public UploadGate uploadGate() {
    return uploadGate;
  }

  /** Where stored uploads go ({@code <data-dir>/uploads}) and the outputs of jobs submitted with them. */
  public static List<Path> uploadDirs(Path dataDir) {
    return List.of(UploadRoutes.uploadsDir(dataDir), UploadRoutes.outputsDir(dataDir));
  }

  /** A live job's status, else its final status from the history. */
  private CompletionStage<Optional<JobStatus>> jobStatusOf(String id) {
    return AskPattern.<JobManagerCommand, JobReply>ask(jobManager, replyTo -> new GetJob(id, replyTo), askTimeout,
            system.scheduler())
        .thenCompose(reply -> reply instanceof JobStatus status
            ? CompletableFuture.completedFuture(Optional.of(status)) : history.find(id));
  }

  private Route unauthorized() {
    return complete(HttpResponse.create().withStatus(StatusCodes.UNAUTHORIZED)
        .addHeader(HttpHeader.parse("WWW-Authenticate", "Bearer realm=\"framefarm\""))
        .withEntity(ContentTypes.APPLICATION_JSON, json(Map.of("error",
            "missing or wrong API token: send Authorization: Bearer <token> (farm --api-token, "
                + "FRAMEFARM_API_TOKEN)"))));
  }

  private Route submit(String body) {
    CompletionStage<HttpResponse> response = CompletableFuture
        .supplyAsync(() -> parse(body), validation)
        // Probing a long input takes a while: done before the ask, so the ask's timeout covers the job manager only.
        .thenCompose(request -> memory.largestBudget()
            .thenApplyAsync(budget -> validator.validate(request, budget), validation))
        .thenCompose(valid -> AskPattern.<JobManagerCommand, SubmitReply>ask(jobManager, valid::submit, askTimeout,
            system.scheduler()))
        .thenApply(reply -> reply instanceof JobAccepted accepted
            ? respond(StatusCodes.CREATED, Map.of("id", accepted.jobId()))
            : error(StatusCodes.UNPROCESSABLE_ENTITY, ((JobRejected) reply).reason()))
        .exceptionally(this::submitFailure);
    return completeWithFuture(response);
  }

  private SubmitRequest parse(String body) {
    try {
      return json.readValue(body, SubmitRequest.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidJobException("request body is not a valid job: " + RequestErrors.describe(e));
    }
  }

  private HttpResponse submitFailure(Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (cause instanceof InvalidJobException) {
      return error(StatusCodes.BAD_REQUEST, cause.getMessage());
    }
    if (cause instanceof com.fasterxml.jackson.core.JacksonException jackson) {
      return error(StatusCodes.BAD_REQUEST, "request body is not a valid job: " + RequestErrors.describe(jackson));
    }
    if (cause instanceof java.nio.file.InvalidPathException) {
      return error(StatusCodes.BAD_REQUEST, "a path in the request is not a valid path");
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return error(StatusCodes.SERVICE_UNAVAILABLE, "the job manager did not answer within " + askTimeout.toSeconds()
          + " s (is a coordinator node up?)");
    }
    system.log().error("Submit failed", cause);
    return error(StatusCodes.INTERNAL_SERVER_ERROR, "the submission failed inside the coordinator ("
        + cause.getClass().getSimpleName() + "); its log has the details");
  }

  /** A page of jobs, newest first; {@code after} is the {@code next} cursor of the previous page. */
  private Route listJobs(String limitParam, String after) {
    int limit;
    try {
      limit = limitParam == null ? JobPages.DEFAULT_LIMIT : Integer.parseInt(limitParam);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > JobPages.MAX_LIMIT) {
      return complete(error(StatusCodes.BAD_REQUEST, "limit must be a whole number from 1 to " + JobPages.MAX_LIMIT));
    }
    int pageSize = limit;
    CompletionStage<HttpResponse> response = AskPattern.<JobManagerCommand, JobList>ask(jobManager, ListJobs::new,
            askTimeout, system.scheduler())
        .thenCompose(list -> pages.page(list.jobs(), after, pageSize))
        .thenApply(page -> respond(StatusCodes.OK, page))
        .exceptionally(error -> unwrap(error) instanceof InvalidJobException invalid
            ? error(StatusCodes.BAD_REQUEST, invalid.getMessage()) : unavailable(error));
    return completeWithFuture(response);
  }

  private Route jobStatus(String id) {
    return completeWithFuture(jobReply(id, replyTo -> new GetJob(id, replyTo)));
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
  }

  /** Cancelling a job that already moved to the history answers its final status, as for any finished job. */
  private Route cancel(String id) {
    return completeWithFuture(jobReply(id, replyTo -> new CancelJob(id, replyTo)));
  }

  /** Assembles again a job whose assembly failed, from its stored chunks; 409 for any other job. */
  private Route retry(String id) {
    CompletionStage<HttpResponse> response = AskPattern.<JobManagerCommand, JobReply>ask(jobManager,
            replyTo -> new RetryJob(id, replyTo), askTimeout, system.scheduler())
        .thenCompose(reply -> {
          if (reply instanceof JobStatus status) {
            return CompletableFuture.completedFuture(status.state().equals("ASSEMBLING")
                ? respond(StatusCodes.ACCEPTED, status)
                : error(StatusCodes.CONFLICT, "job " + Shown.text(id) + " is " + status.state()
                    + ": only a job whose assembly failed, with every chunk stored, can be retried"));
          }
          return history.find(id).thenApply(archived -> archived.isPresent()
              ? error(StatusCodes.CONFLICT, "job " + Shown.text(id)
                  + " was archived, and its chunks deleted: submit it again")
              : error(StatusCodes.NOT_FOUND, "no job " + Shown.text(id)));
        })
        .exceptionally(this::unavailable);
    return completeWithFuture(response);
  }

  /** The job manager's answer about a live job, else the job's final status from the history, else 404. */
  private CompletionStage<HttpResponse> jobReply(String id,
      org.apache.pekko.japi.function.Function<ActorRef<JobReply>, JobManagerCommand> message) {
    return AskPattern.<JobManagerCommand, JobReply>ask(jobManager, message, askTimeout, system.scheduler())
        .thenCompose(reply -> reply instanceof JobStatus status
            ? CompletableFuture.completedFuture(respond(StatusCodes.OK, status))
            : history.find(id).thenApply(archived -> archived.map(s -> respond(StatusCodes.OK, s))
                .orElseGet(() -> error(StatusCodes.NOT_FOUND, "no job " + Shown.text(id)))))
        .exceptionally(this::unavailable);
  }

  private HttpResponse unavailable(Throwable error) {
    return error(StatusCodes.SERVICE_UNAVAILABLE, "the job manager did not answer: " + error.getMessage());
  }

  private HttpResponse error(StatusCode status, String reason) {
    return respond(status, Map.of("error", reason));
  }

  private HttpResponse respond(StatusCode status, Object body) {
    return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, json(body));
  }

  private byte[] json(Object body) {
    try {
      return json.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Could not write JSON for " + body.getClass().getSimpleName(), e);
    }
  }

  private Route complete(StatusCode status, Object body) {
    return complete(respond(status, body));
  }
}

package io.framefarm.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framefarm.coordinator.memory.ClusterMemoryView;
import io.framefarm.protocol.MemoryProtocol.DeviceEvent;
import io.framefarm.protocol.MemoryProtocol.MemoryNotice;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * Node memory over HTTP: {@code GET /api/v1/nodes} (latest report per device plus recent events) and the memory
 * part of {@code GET /api/v1/events} (every memory event, and reports with {@code ?reports=true}).
 */
final class MemoryRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  /** How long a request waits for the memory view ({@code framefarm.coordinator.api.memory-ask-timeout}). */
  private final Duration askTimeout;
  /** How long a submission waits for the first device report before it decides fit. */
  private final Duration firstReportWait;
  private final ActorRef<ClusterMemoryView.Command> view;
  private final ObjectMapper json;

  MemoryRoutes(ActorSystem<?> system, ActorRef<ClusterMemoryView.Command> view, ObjectMapper json) {
    this.system = system;
    this.askTimeout = system.settings().config().getDuration("framefarm.coordinator.api.memory-ask-timeout");
    this.firstReportWait = system.settings().config().getDuration("framefarm.coordinator.api.first-report-wait");
    this.view = view;
    this.json = json;
  }

  Route nodes() {
    CompletionStage<HttpResponse> response = AskPattern.<ClusterMemoryView.Command, ClusterMemoryView.Devices>ask(
        view, ClusterMemoryView.GetDevices::new, askTimeout, system.scheduler())
        .thenApply(d -> respond(Map.of("devices", d.reports(), "events", d.recentEvents())));
    return completeWithFuture(response);
  }

  /**
   * The largest device budget reported in the cluster, after waiting up to {@code first-report-wait} for a
   * first report when none has come yet (a cluster that just started); Long.MAX_VALUE while none has.
   */
  CompletionStage<Long> largestBudget() {
    return AskPattern.<ClusterMemoryView.Command, ClusterMemoryView.Devices>ask(view,
        replyTo -> new ClusterMemoryView.AwaitReport(null, firstReportWait, replyTo), firstReportWait.plus(askTimeout),
        system.scheduler())
        .thenApply(d -> d.reports().stream().mapToLong(r -> r.budgetBytes()).max().orElse(Long.MAX_VALUE))
        .exceptionally(error -> Long.MAX_VALUE);
  }

  /** Every memory event from now on, and every device's reports with {@code withReports}. */
  Source<ServerSentEvent, NotUsed> events(boolean withReports) {
    Source<MemoryNotice, ActorRef<MemoryNotice>> notices = ActorSource.actorRef(m -> false, m -> Optional.empty(),
        256, OverflowStrategy.dropHead());
    return notices.mapMaterializedValue(ref -> {
      view.tell(new ClusterMemoryView.Watch(ref));
      return NotUsed.getInstance();
    }).filter(n -> withReports || n instanceof DeviceEvent)
        .map(n -> ServerSentEvent.create(write(n), n instanceof DeviceEvent e ? e.type() : "MemoryReport"));
  }

  private String write(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Could not write JSON for " + value.getClass().getSimpleName(), e);
    }
  }

  private HttpResponse respond(Object body) {
    return HttpResponse.create().withStatus(StatusCodes.OK).withEntity(ContentTypes.APPLICATION_JSON, write(body));
  }
}

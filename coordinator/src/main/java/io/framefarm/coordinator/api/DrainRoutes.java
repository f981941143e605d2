package io.framefarm.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framefarm.protocol.DrainProtocol;
import io.framefarm.protocol.DrainProtocol.WorkerNodeCommand;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /api/v1/nodes/{node}/drain}: the worker node at {@code node} ({@code host:port}, or its full
 * address) stops taking chunks, finishes or hands back the ones it runs, leaves the cluster and stops.
 */
final class DrainRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final ObjectMapper json;

  DrainRoutes(ActorSystem<?> system, ObjectMapper json) {
    this.system = system;
    this.askTimeout = system.settings().config().getDuration("framefarm.coordinator.api.memory-ask-timeout");
    this.json = json;
  }

  Route drain(String node) {
    return completeWithFuture(drainNode(node));
  }

  private CompletionStage<HttpResponse> drainNode(String node) {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
            replyTo -> Receptionist.find(DrainProtocol.WORKER_NODES, replyTo), askTimeout, system.scheduler())
        .thenApply(listing -> {
          List<ActorRef<WorkerNodeCommand>> nodes =
              List.copyOf(listing.getServiceInstances(DrainProtocol.WORKER_NODES));
          for (ActorRef<WorkerNodeCommand> ref : nodes) {
            String address = ref.path().address().toString();
            if (address.equals(node) || address.endsWith("@" + node)) {
              ref.tell(new DrainProtocol.DrainNode("the API (farm drain)"));
              system.log().info("Draining worker node {} as the API asked", address);
              return respond(StatusCodes.ACCEPTED, Map.of("node", address, "state", "DRAINING"));
            }
          }
          return respond(StatusCodes.NOT_FOUND, Map.of("error", "no worker node at " + Shown.text(node)
              + " (worker nodes: " + String.join(", ", nodes.stream().map(r -> r.path().address().toString())
                  .sorted().toList()) + ")"));
        })
        .exceptionally(error -> respond(StatusCodes.SERVICE_UNAVAILABLE, Map.of("error",
            "the cluster's receptionist did not answer: " + error.getMessage())));
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

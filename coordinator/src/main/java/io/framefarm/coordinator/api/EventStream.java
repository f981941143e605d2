package io.framefarm.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framefarm.coordinator.activity.FarmEvent;
import io.framefarm.coordinator.activity.JobActivity;
import io.framefarm.protocol.JobApi.JobList;
import io.framefarm.protocol.JobApi.ListJobs;
import io.framefarm.protocol.JobManagerCommand;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * {@code GET /api/v1/events}: server-sent events. Always the memory events; with {@code reports=true} every
 * device's memory reports; with {@code farm=true} job, chunk and node events ({@link FarmEvent}); with
 * {@code progress=true} a {@code Jobs} event with every live job's summary each second while any changed.
 */
final class EventStream {
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

  private final ActorSystem<?> system;
  private final MemoryRoutes memory;
  private final ActorRef<JobActivity.Command> activity;
  private final ActorRef<JobManagerCommand> jobManager;
  private final Duration askTimeout;
  private final ObjectMapper json;

  EventStream(ActorSystem<?> system, MemoryRoutes memory, ActorRef<JobActivity.Command> activity,
      ActorRef<JobManagerCommand> jobManager, Duration askTimeout, ObjectMapper json) {
    this.system = system;
    this.memory = memory;
    this.activity = activity;
    this.jobManager = jobManager;
    this.askTimeout = askTimeout;
    this.json = json;
  }

  Source<ServerSentEvent, NotUsed> events(boolean reports, boolean farm, boolean progress) {
    Source<ServerSentEvent, NotUsed> events = memory.events(reports);
    if (farm) {
      events = events.merge(farmEvents());
    }
    if (progress) {
      events = events.merge(progress());
    }
    return events.keepAlive(Duration.ofSeconds(10), ServerSentEvent::heartbeat);
  }

  private Source<ServerSentEvent, NotUsed> farmEvents() {
    Source<FarmEvent, ActorRef<FarmEvent>> events = ActorSource.actorRef(m -> false, m -> Optional.empty(), 256,
        OverflowStrategy.dropHead());
    return events.mapMaterializedValue(ref -> {
      activity.tell(new JobActivity.Watch(ref));
      return NotUsed.getInstance();
    }).map(e -> ServerSentEvent.create(write(e), e.type()));
  }

  /** The live jobs each second, sent when they changed (progress, state): one ask per second per stream. */
  private Source<ServerSentEvent, NotUsed> progress() {
    return Source.tick(Duration.ZERO, PROGRESS_EVERY, NotUsed.getInstance())
        .mapAsync(1, tick -> AskPattern.<JobManagerCommand, JobList>ask(jobManager, ListJobs::new, askTimeout,
                system.scheduler())
            .thenApply(list -> Optional.of(write(Map.of("jobs", list.jobs()))))
            .exceptionally(error -> Optional.empty())
            .toCompletableFuture())
        .filter(Optional::isPresent).map(Optional::get)
        .statefulMap(() -> "", (last, jobs) -> Pair.create(jobs, jobs.equals(last) ? Optional.<String>empty()
            : Optional.of(jobs)), last -> Optional.empty())
        .mapMaterializedValue(cancellable -> NotUsed.getInstance())
        .filter(Optional::isPresent).map(o -> ServerSentEvent.create(o.get(), "Jobs"));
  }

  private String write(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Could not write JSON for " + value.getClass().getSimpleName(), e);
    }
  }
}

package io.framefarm.coordinator.activity;

import io.framefarm.coordinator.jobs.JobEvent;
import io.framefarm.coordinator.jobs.JobEvent.ChunkCompleted;
import io.framefarm.coordinator.jobs.JobEvent.ChunkFailed;
import io.framefarm.coordinator.jobs.JobEvent.ChunkLeased;
import io.framefarm.coordinator.jobs.JobEvent.ChunkLost;
import io.framefarm.coordinator.jobs.JobEvent.JobCancelled;
import io.framefarm.coordinator.jobs.JobEvent.JobCompleted;
import io.framefarm.coordinator.jobs.JobEvent.JobFailed;
import io.framefarm.coordinator.jobs.JobEvent.JobSubmitted;
import io.framefarm.coordinator.jobs.JobManager;
import io.framefarm.coordinator.metrics.FarmMetrics;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The read side of the job manager's journal on this coordinator: follows its events (Pekko Persistence Query on
 * the JDBC journal, so it works on any coordinator node, wherever the singleton runs) into a {@link ChunkBook},
 * the job and chunk metrics, and the event feed; adds cluster membership changes to the feed. The job manager
 * itself knows nothing of it: its event handler stays pure.
 */
public final class JobActivity extends AbstractBehavior<JobActivity.Command> {
  public sealed interface Command extends NoSerializationVerificationNeeded {}

  public record GetChunks(String jobId, ActorRef<Chunks> replyTo) implements Command {}

  public record Chunks(Optional<ChunkBook.JobChunks> job) implements NoSerializationVerificationNeeded {}

  /** Streams every feed event from now on to {@code subscriber} until it stops. */
  public record Watch(ActorRef<FarmEvent> subscriber) implements Command {}

  /** The journal's last sequence number when this started: events up to it were counted before. */
  private record Started(long lastSequenceNr) implements Command {}

  private record Journaled(EventEnvelope envelope) implements Command {}

  private record Membership(ClusterEvent.MemberEvent event) implements Command {}

  private record Reachability(ClusterEvent.ReachabilityEvent event) implements Command {}

  private final ChunkBook book = new ChunkBook();
  private final FarmMetrics metrics;
  private final Set<ActorRef<FarmEvent>> watchers = new HashSet<>();
  private long countedUpTo = Long.MAX_VALUE;
  private UniqueKillSwitch stream;

  public static Behavior<Command> create(FarmMetrics metrics) {
    return Behaviors.setup(context -> new JobActivity(context, metrics));
  }

  private JobActivity(ActorContext<Command> context, FarmMetrics metrics) {
    super(context);
    this.metrics = metrics;
    var cluster = Cluster.get(context.getSystem()).subscriptions();
    cluster.tell(Subscribe.create(context.messageAdapter(ClusterEvent.MemberEvent.class, Membership::new),
        ClusterEvent.MemberEvent.class));
    cluster.tell(Subscribe.create(context.messageAdapter(ClusterEvent.ReachabilityEvent.class, Reachability::new),
        ClusterEvent.ReachabilityEvent.class));
    context.pipeToSelf(journal().currentLastSequenceNumberByPersistenceId(JobManager.PERSISTENCE_ID),
        (last, error) -> new Started(error != null || last.isEmpty() ? 0 : last.get()));
  }

  private JdbcReadJournal journal() {
    return PersistenceQuery.get(Adapter.toClassic(getContext().getSystem()))
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Started.class, this::onStarted)
        .onMessage(Journaled.class, this::onJournaled)
        .onMessage(GetChunks.class, this::onGetChunks)
        .onMessage(Watch.class, this::onWatch)
        .onMessage(Membership.class, this::onMembership)
        .onMessage(Reachability.class, this::onReachability)
        .onSignal(Terminated.class, this::onWatcherStopped)
        .onSignal(PostStop.class, this::onStop)
        .build();
  }

  /** Replays what the journal holds (for the chunk map), then follows it; a failed query starts again after it. */
  private Behavior<Command> onStarted(Started m) {
    countedUpTo = m.lastSequenceNr();
    AtomicLong next = new AtomicLong(1);
    JdbcReadJournal journal = journal();
    ActorRef<Command> self = getContext().getSelf();
    RestartSettings restart = RestartSettings.create(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
    stream = RestartSource.onFailuresWithBackoff(restart,
            () -> journal.eventsByPersistenceId(JobManager.PERSISTENCE_ID, next.get(), Long.MAX_VALUE))
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.foreach(envelope -> {
          next.set(envelope.sequenceNr() + 1);
          self.tell(new Journaled(envelope));
        }))
        .run(getContext().getSystem());
    return this;
  }

  private Behavior<Command> onJournaled(Journaled m) {
    if (!(m.envelope().event() instanceof JobEvent event)) {
      return this;
    }
    long at = m.envelope().timestamp() > 0 ? m.envelope().timestamp() : System.currentTimeMillis();
    ChunkBook.Applied applied = book.apply(event, at);
    if (m.envelope().sequenceNr() > countedUpTo) {
      count(event, applied);
    }
    metrics.devices().busySlots(book.busyByNode());
    if (applied.event() != null) {
      publish(applied.event());
    }
    return this;
  }

  private void count(JobEvent event, ChunkBook.Applied applied) {
    if (event instanceof JobSubmitted) {
      metrics.jobSubmitted();
    } else if (event instanceof ChunkLeased e) {
      metrics.chunkLeased(e.attempt(), applied.waitedSeconds());
    } else if (event instanceof ChunkCompleted) {
      metrics.chunkCompleted(applied.leaseSeconds());
    } else if (event instanceof ChunkFailed e) {
      metrics.chunkFailed(e.reason().startsWith(ChunkFailed.LEASE_EXPIRED));
    } else if (event instanceof ChunkLost) {
      metrics.leaseLost();
    } else if (event instanceof JobCompleted) {
      metrics.jobFinished("COMPLETED");
    } else if (event instanceof JobFailed) {
      metrics.jobFinished("FAILED");
    } else if (event instanceof JobCancelled) {
      metrics.jobFinished("CANCELLED");
    }
  }

  private Behavior<Command> onGetChunks(GetChunks m) {
    m.replyTo().tell(new Chunks(book.chunks(m.jobId())));
    return this;
  }

  private Behavior<Command> onWatch(Watch m) {
    watchers.add(m.subscriber());
    getContext().watch(m.subscriber());
    return this;
  }

  private Behavior<Command> onWatcherStopped(Terminated t) {
    watchers.removeIf(w -> w.equals(t.getRef()));
    return this;
  }

  private Behavior<Command> onMembership(Membership m) {
    String node = m.event().member().address().toString();
    String roles = String.join(",", m.event().member().getRoles().stream().filter(r -> !r.startsWith("dc-"))
        .sorted().toList());
    if (m.event() instanceof ClusterEvent.MemberUp) {
      publish(FarmEvent.ofNode("NodeJoined", System.currentTimeMillis(), node, "joined (" + roles + ")"));
    } else if (m.event() instanceof ClusterEvent.MemberRemoved) {
      publish(FarmEvent.ofNode("NodeLeft", System.currentTimeMillis(), node, "removed from the cluster"));
    }
    return this;
  }

  private Behavior<Command> onReachability(Reachability m) {
    String node = m.event().member().address().toString();
    if (m.event() instanceof ClusterEvent.UnreachableMember) {
      publish(FarmEvent.ofNode("NodeUnreachable", System.currentTimeMillis(), node, "unreachable"));
    } else if (m.event() instanceof ClusterEvent.ReachableMember) {
      publish(FarmEvent.ofNode("NodeReachable", System.currentTimeMillis(), node, "reachable again"));
    }
    return this;
  }

  private void publish(FarmEvent event) {
    watchers.forEach(w -> w.tell(event));
  }

  private Behavior<Command> onStop(PostStop signal) {
    if (stream != null) {
      stream.shutdown();
    }
    return this;
  }
}

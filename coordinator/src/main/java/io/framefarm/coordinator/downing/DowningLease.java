package io.framefarm.coordinator.downing;

import com.typesafe.config.Config;
import io.framefarm.coordinator.JournalDatabase;
import io.framefarm.protocol.DowningProtocol;
import io.framefarm.protocol.DowningProtocol.AcquireDowningLease;
import io.framefarm.protocol.DowningProtocol.DowningLeaseAnswer;
import io.framefarm.protocol.DowningProtocol.ReleaseDowningLease;
import io.framefarm.protocol.JobManagerProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.coordination.lease.LeaseSettings;
import org.apache.pekko.coordination.lease.javadsl.Lease;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The split brain resolver's lease ({@code lease-majority}), named in HOCON for every node. The side of a
 * partition that gets it keeps running; the other downs itself. The resolver acts on whichever node leads a
 * side, worker or coordinator, so every node does the same: it asks the oldest coordinator it can reach (the
 * job manager's host) to take the lease for their side, itself if it is that coordinator, or through that
 * node's {@link DowningLeaseKeeper}. The coordinator holds it ({@link LocalLease}): on PostgreSQL as a row of
 * the journal's database, the third party that breaks a tie between two coordinators, which no count of members
 * can; on the embedded database always, as that database admits a single coordinator.
 *
 * <p>So a side with no coordinator never gets the lease, and whoever leads a side, the lease of that side is
 * held by one node: its oldest coordinator. A coordinator that does not answer is passed over for the next.
 */
public final class DowningLease extends Lease {
  /** Where this lease's settings live ({@code lease-class}, heartbeat, operation timeout, dispatcher). */
  public static final String CONFIG_PATH = "framefarm.downing-lease";
  private static final Logger log = LoggerFactory.getLogger(DowningLease.class);

  private final LeaseSettings settings;
  private final ExtendedActorSystem system;
  /** This coordinator's hold, or null on a node that is not a coordinator. */
  private final LocalLease local;
  private final Duration askTimeout;
  /** The coordinator that granted the last acquire, to release there. */
  private volatile Address grantedBy;

  public DowningLease(LeaseSettings settings, ExtendedActorSystem system) {
    this.settings = settings;
    this.system = system;
    Config config = system.settings().config();
    var timeouts = settings.timeoutSettings();
    if (!config.getStringList("pekko.cluster.roles").contains(JobManagerProxy.ROLE)) {
      local = null;
    } else if (JournalDatabase.of(config).isPostgres()) {
      var journal = new JournalLease(JournalDatabase.of(config), settings.leaseName(), timeouts.getOperationTimeout());
      local = new JournalHeldLease(journal, settings.ownerName(), timeouts.getHeartbeatTimeout(),
          timeouts.getHeartbeatInterval(), system.scheduler(),
          system.dispatchers().lookup(CONFIG_PATH + ".dispatcher"));
    } else {
      local = new EmbeddedLease();
    }
    // A coordinator may wait out a dead holder's row (heartbeat-timeout), then make its calls (connect and
    // statement, an operation timeout each): an asker that gave up sooner would down a side that got the lease.
    askTimeout = timeouts.getHeartbeatTimeout().plus(timeouts.getHeartbeatInterval())
        .plus(timeouts.getOperationTimeout().multipliedBy(3));
  }

  @Override
  public LeaseSettings getSettings() {
    return settings;
  }

  @Override
  public CompletionStage<Boolean> acquire() {
    List<Address> coordinators = reachableCoordinators(Cluster.get(system).state());
    if (coordinators.isEmpty()) {
      log.info("Downing lease not available to {}: no coordinator on its side", settings.ownerName());
      return CompletableFuture.completedFuture(false);
    }
    return askInTurn(coordinators.iterator());
  }

  /** The resolver passes no callback; a hold lost meanwhile shows at its next decision, which asks again. */
  @Override
  public CompletionStage<Boolean> acquire(Consumer<Optional<Throwable>> leaseLostCallback) {
    return acquire();
  }

  @Override
  public CompletionStage<Boolean> release() {
    Address from = grantedBy;
    grantedBy = null;
    if (from == null) {
      return CompletableFuture.completedFuture(true);
    }
    if (isSelf(from)) {
      return local.release(settings.ownerName());
    }
    return ask(from, replyTo -> new ReleaseDowningLease(settings.ownerName(), replyTo))
        .exceptionally(e -> new DowningLeaseAnswer(false)).thenApply(answer -> true);
  }

  /** False: this node does not hold the lease, its side's oldest coordinator does; each decision asks again. */
  @Override
  public boolean checkLease() {
    return false;
  }

  /** Takes this coordinator's hold for {@code requester} (the keeper's way in). */
  CompletionStage<Boolean> acquireHere(String requester) {
    return local == null ? CompletableFuture.completedFuture(false) : local.acquire(requester);
  }

  /** Gives up this coordinator's hold for {@code requester}. */
  CompletionStage<Boolean> releaseHere(String requester) {
    return local == null ? CompletableFuture.completedFuture(true) : local.release(requester);
  }

  /** The first coordinator that answers decides: they share one database, so another would answer alike. */
  private CompletionStage<Boolean> askInTurn(Iterator<Address> coordinators) {
    Address coordinator = coordinators.next();
    CompletionStage<Boolean> answer = isSelf(coordinator) ? local.acquire(settings.ownerName())
        : ask(coordinator, replyTo -> new AcquireDowningLease(settings.ownerName(), replyTo))
            .thenApply(DowningLeaseAnswer::held);
    return answer.<CompletionStage<Boolean>>handle((held, error) -> {
      if (error != null) {
        log.warn("Coordinator {} did not answer for the downing lease: {}", coordinator, error.toString());
        return coordinators.hasNext() ? askInTurn(coordinators) : CompletableFuture.completedFuture(false);
      }
      if (held) {
        grantedBy = coordinator;
      }
      log.info("Downing lease {} by coordinator {} for {}", held ? "taken" : "refused", coordinator,
          settings.ownerName());
      return CompletableFuture.completedFuture(held);
    }).thenCompose(next -> next);
  }

  private boolean isSelf(Address address) {
    return local != null && address.equals(Cluster.get(system).selfAddress());
  }

  private CompletionStage<DowningLeaseAnswer> ask(Address coordinator,
      Function<org.apache.pekko.actor.typed.ActorRef<DowningLeaseAnswer>, Object> request) {
    var keeper = system.actorSelection(coordinator + "/system/" + DowningProtocol.KEEPER_NAME);
    return Patterns.askWithReplyTo(keeper, (ActorRef ref) -> request.apply(Adapter.toTyped(ref)), askTimeout)
        .thenApply(DowningLeaseAnswer.class::cast);
  }

  /** Up coordinators that this node does not see as unreachable, oldest (the job manager's host) first. */
  static List<Address> reachableCoordinators(CurrentClusterState state) {
    List<Member> found = new ArrayList<>();
    for (Member m : state.getMembers()) {
      boolean up = m.status() == MemberStatus.up() || m.status() == MemberStatus.leaving();
      if (up && m.hasRole(JobManagerProxy.ROLE) && !state.getUnreachable().contains(m)) {
        found.add(m);
      }
    }
    found.sort(Member.ageOrdering());
    return found.stream().map(Member::address).toList();
  }
}

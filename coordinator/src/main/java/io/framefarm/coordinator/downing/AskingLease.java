package io.framefarm.coordinator.downing;

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
 * The downing lease of a node without the journal's database (a worker): it asks the coordinators it can
 * reach, oldest first, to take the lease for their side, which is also this node's side. No reachable
 * coordinator, or none that answers, means no lease, so a side of workers alone always downs itself.
 *
 * <p>The granting coordinator holds and renews the lease ({@link DowningLeaseKeeper}), so this node never
 * claims to hold it ({@link #checkLease()} is false) and the resolver asks again for each decision.
 */
final class AskingLease extends Lease {
  private static final Logger log = LoggerFactory.getLogger(AskingLease.class);

  private final LeaseSettings settings;
  private final ExtendedActorSystem system;
  private final Duration askTimeout;
  private volatile Address grantedBy;

  AskingLease(LeaseSettings settings, ExtendedActorSystem system) {
    this.settings = settings;
    this.system = system;
    // The coordinator's database call may take the operation timeout for its connect and again for its
    // statement; giving up before it answers would down this side although its coordinator took the lease.
    this.askTimeout = settings.timeoutSettings().getOperationTimeout().multipliedBy(3);
  }

  @Override
  public LeaseSettings getSettings() {
    return settings;
  }

  @Override
  public CompletionStage<Boolean> acquire() {
    List<Address> coordinators = reachableCoordinators(Cluster.get(system).state());
    if (coordinators.isEmpty()) {
      log.info("Downing lease not available to {}: no coordinator on this side", settings.ownerName());
      return CompletableFuture.completedFuture(false);
    }
    return askInTurn(coordinators.iterator());
  }

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
    return ask(from, replyTo -> new ReleaseDowningLease(settings.ownerName(), replyTo))
        .exceptionally(e -> new DowningLeaseAnswer(false)).thenApply(answer -> true);
  }

  @Override
  public boolean checkLease() {
    return false;
  }

  /** The first coordinator that answers decides: they all share one database, so another would answer alike. */
  private CompletionStage<Boolean> askInTurn(Iterator<Address> coordinators) {
    Address coordinator = coordinators.next();
    return ask(coordinator, replyTo -> new AcquireDowningLease(settings.ownerName(), replyTo))
        .<CompletionStage<Boolean>>handle((answer, error) -> {
          if (error != null) {
            log.warn("Coordinator {} did not answer for the downing lease: {}", coordinator, error.toString());
            return coordinators.hasNext() ? askInTurn(coordinators) : CompletableFuture.completedFuture(false);
          }
          if (answer.held()) {
            grantedBy = coordinator;
          }
          log.info("Downing lease {} by coordinator {} for {}", answer.held() ? "taken" : "refused", coordinator,
              settings.ownerName());
          return CompletableFuture.completedFuture(answer.held());
        })
        .thenCompose(next -> next);
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

package io.framefarm.coordinator.downing;

import com.typesafe.config.Config;
import io.framefarm.protocol.DowningProtocol;
import io.framefarm.protocol.DowningProtocol.AcquireDowningLease;
import io.framefarm.protocol.DowningProtocol.DowningLeaseAnswer;
import io.framefarm.protocol.DowningProtocol.KeeperCommand;
import io.framefarm.protocol.DowningProtocol.ReleaseDowningLease;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent.MemberRemoved;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.coordination.lease.javadsl.Lease;
import org.apache.pekko.coordination.lease.javadsl.LeaseProvider;

/**
 * Takes this coordinator's downing lease for workers whose resolver must decide for a side this coordinator is
 * on ({@link AskingLease}). The lease stays held, and renewed, until every worker it was taken for has given it
 * up or left the cluster; this node's own resolver uses the same lease instance, so a hold taken for a worker
 * also counts for this node, which is on the same side.
 */
public final class DowningLeaseKeeper extends AbstractBehavior<KeeperCommand> {
  private record Acquired(String requester, boolean held, ActorRef<DowningLeaseAnswer> replyTo)
      implements KeeperCommand, NoSerializationVerificationNeeded {}

  private record Released(ActorRef<DowningLeaseAnswer> replyTo)
      implements KeeperCommand, NoSerializationVerificationNeeded {}

  private record MemberLeft(MemberRemoved removed) implements KeeperCommand, NoSerializationVerificationNeeded {}

  private final Lease lease;
  /** Addresses (host:port form) of the workers the lease is held for. */
  private final Set<String> heldFor = new HashSet<>();

  private DowningLeaseKeeper(ActorContext<KeeperCommand> context, Lease lease) {
    super(context);
    this.lease = lease;
    Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
        context.messageAdapter(MemberRemoved.class, MemberLeft::new), MemberRemoved.class));
  }

  public static Behavior<KeeperCommand> create(Lease lease) {
    return Behaviors.setup(context -> new DowningLeaseKeeper(context, lease));
  }

  /**
   * Starts the keeper at {@code /system/}{@value DowningProtocol#KEEPER_NAME} when the resolver uses this farm's
   * lease ({@code lease-majority} with {@link DowningLease}), with the same lease instance as the resolver.
   */
  public static void startIfConfigured(ActorSystem<?> system) {
    Config sbr = system.settings().config().getConfig("pekko.cluster.split-brain-resolver");
    if (!sbr.getString("active-strategy").equals("lease-majority")
        || !sbr.getString("lease-majority.lease-implementation").equals(DowningLease.CONFIG_PATH)) {
      return;
    }
    // The resolver's own lease is keyed by (name, config path, owner), the owner being the node's host:port.
    String owner = Cluster.get(system).selfMember().address().hostPort();
    Lease lease = LeaseProvider.get(system).getLease(sbr.getString("lease-majority.lease-name"),
        DowningLease.CONFIG_PATH, owner);
    system.systemActorOf(create(lease), DowningProtocol.KEEPER_NAME, Props.empty());
  }

  @Override
  public Receive<KeeperCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(AcquireDowningLease.class, this::onAcquireDowningLease)
        .onMessage(Acquired.class, this::onAcquired)
        .onMessage(ReleaseDowningLease.class, this::onReleaseDowningLease)
        .onMessage(Released.class, this::onReleased)
        .onMessage(MemberLeft.class, this::onMemberLeft)
        .build();
  }

  private Behavior<KeeperCommand> onAcquireDowningLease(AcquireDowningLease m) {
    getContext().pipeToSelf(lease.acquire(), (held, error) -> {
      if (error != null) {
        getContext().getLog().warn("Could not take the downing lease for {}: {}", m.requester(), error.toString());
      }
      return new Acquired(m.requester(), error == null && held, m.replyTo());
    });
    return this;
  }

  private Behavior<KeeperCommand> onAcquired(Acquired m) {
    if (m.held()) {
      heldFor.add(m.requester());
    }
    m.replyTo().tell(new DowningLeaseAnswer(m.held()));
    return this;
  }

  private Behavior<KeeperCommand> onReleaseDowningLease(ReleaseDowningLease m) {
    if (heldFor.remove(m.requester()) && heldFor.isEmpty()) {
      getContext().pipeToSelf(lease.release(), (released, error) -> new Released(m.replyTo()));
    } else {
      m.replyTo().tell(new DowningLeaseAnswer(false));
    }
    return this;
  }

  private Behavior<KeeperCommand> onReleased(Released m) {
    m.replyTo().tell(new DowningLeaseAnswer(false));
    return this;
  }

  /** A worker that took the lease and was then removed (downed, restarted) will never give it up itself. */
  private Behavior<KeeperCommand> onMemberLeft(MemberLeft m) {
    if (heldFor.remove(m.removed().member().address().hostPort()) && heldFor.isEmpty()) {
      getContext().getLog().info("Releasing the downing lease: {} left the cluster", m.removed().member().address());
      lease.release();
    }
    return this;
  }
}

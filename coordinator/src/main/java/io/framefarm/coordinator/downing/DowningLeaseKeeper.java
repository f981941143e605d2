package io.framefarm.coordinator.downing;

import com.typesafe.config.Config;
import io.framefarm.protocol.DowningProtocol;
import io.framefarm.protocol.DowningProtocol.AcquireDowningLease;
import io.framefarm.protocol.DowningProtocol.DowningLeaseAnswer;
import io.framefarm.protocol.DowningProtocol.KeeperCommand;
import io.framefarm.protocol.DowningProtocol.ReleaseDowningLease;
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
 * Serves the downing lease to the nodes whose resolver decides for a side this coordinator is the oldest of
 * ({@link DowningLease}): takes this coordinator's hold for them, and gives it up when they release it or are
 * removed from the cluster (a downed or restarted node never releases what it took).
 */
public final class DowningLeaseKeeper extends AbstractBehavior<KeeperCommand> {
  private record Answered(boolean held, ActorRef<DowningLeaseAnswer> replyTo)
      implements KeeperCommand, NoSerializationVerificationNeeded {}

  private record MemberLeft(MemberRemoved removed) implements KeeperCommand, NoSerializationVerificationNeeded {}

  private final DowningLease lease;

  private DowningLeaseKeeper(ActorContext<KeeperCommand> context, DowningLease lease) {
    super(context);
    this.lease = lease;
    Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
        context.messageAdapter(MemberRemoved.class, MemberLeft::new), MemberRemoved.class));
  }

  public static Behavior<KeeperCommand> create(DowningLease lease) {
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
    system.systemActorOf(create((DowningLease) lease), DowningProtocol.KEEPER_NAME, Props.empty());
  }

  @Override
  public Receive<KeeperCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(AcquireDowningLease.class, this::onAcquireDowningLease)
        .onMessage(ReleaseDowningLease.class, this::onReleaseDowningLease)
        .onMessage(Answered.class, this::onAnswered)
        .onMessage(MemberLeft.class, this::onMemberLeft)
        .build();
  }

  private Behavior<KeeperCommand> onAcquireDowningLease(AcquireDowningLease m) {
    getContext().pipeToSelf(lease.acquireHere(m.requester()), (held, error) -> {
      if (error != null) {
        getContext().getLog().warn("Could not take the downing lease for {}: {}", m.requester(), error.toString());
      }
      return new Answered(error == null && held, m.replyTo());
    });
    return this;
  }

  private Behavior<KeeperCommand> onReleaseDowningLease(ReleaseDowningLease m) {
    getContext().pipeToSelf(lease.releaseHere(m.requester()), (released, error) -> new Answered(false, m.replyTo()));
    return this;
  }

  private Behavior<KeeperCommand> onAnswered(Answered m) {
    m.replyTo().tell(new DowningLeaseAnswer(m.held()));
    return this;
  }

  private Behavior<KeeperCommand> onMemberLeft(MemberLeft m) {
    lease.releaseHere(m.removed().member().address().hostPort());
    return this;
  }
}

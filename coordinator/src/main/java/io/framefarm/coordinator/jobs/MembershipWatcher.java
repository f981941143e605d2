package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.JobManager.WorkerNodeBack;
import io.framefarm.coordinator.jobs.JobManager.WorkerNodeLost;
import io.framefarm.protocol.JobManagerCommand;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Tells the job manager when a cluster member is removed or becomes unreachable, so that the leases
 * its slots held go back to pending and its slots get no new ones, and when it is back (reachable again,
 * or a new node up at that address). Apart from the job manager so that it can be tested without a cluster.
 */
public final class MembershipWatcher {
  private MembershipWatcher() {}

  /** The job manager with a watcher beside it: what the coordinator runs as the singleton. */
  public static Behavior<JobManagerCommand> watching(Behavior<JobManagerCommand> jobManager) {
    return Behaviors.setup(context -> {
      context.spawn(create(context.getSelf()), "membership");
      return jobManager;
    });
  }

  static Behavior<ClusterEvent.ClusterDomainEvent> create(ActorRef<JobManagerCommand> jobManager) {
    return Behaviors.setup(context -> {
      Cluster cluster = Cluster.get(context.getSystem());
      // One subscription, so that a node's events arrive in the order they happened (unreachable, then up).
      cluster.subscriptions().tell(Subscribe.create(context.getSelf(), ClusterEvent.ClusterDomainEvent.class));
      return Behaviors.receive(ClusterEvent.ClusterDomainEvent.class)
          .onMessage(ClusterEvent.MemberRemoved.class, e -> lost(jobManager, e.member(), "node left the cluster"))
          .onMessage(ClusterEvent.UnreachableMember.class,
              e -> lost(jobManager, e.member(), "node became unreachable"))
          .onMessage(ClusterEvent.ReachableMember.class, e -> back(jobManager, e.member()))
          .onMessage(ClusterEvent.MemberUp.class, e -> back(jobManager, e.member()))
          .onMessage(ClusterEvent.MemberWeaklyUp.class, e -> back(jobManager, e.member()))
          .onAnyMessage(e -> Behaviors.same())
          .build();
    });
  }

  private static Behavior<ClusterEvent.ClusterDomainEvent> lost(ActorRef<JobManagerCommand> jobManager,
      org.apache.pekko.cluster.Member member, String why) {
    jobManager.tell(new WorkerNodeLost(member.address().toString(), why));
    return Behaviors.same();
  }

  private static Behavior<ClusterEvent.ClusterDomainEvent> back(ActorRef<JobManagerCommand> jobManager,
      org.apache.pekko.cluster.Member member) {
    jobManager.tell(new WorkerNodeBack(member.address().toString()));
    return Behaviors.same();
  }
}

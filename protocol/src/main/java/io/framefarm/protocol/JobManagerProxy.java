package io.framefarm.protocol;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/** How nodes reach the job manager, a cluster singleton on the nodes with role {@value #ROLE}. */
public final class JobManagerProxy {
  public static final String ROLE = "coordinator";
  public static final String SINGLETON_NAME = "job-manager";

  private JobManagerProxy() {}

  /**
   * A proxy for a node that does not host the job manager. On a coordinator node the coordinator
   * must initialise the singleton first (with the real behavior); the empty behavior given here is
   * never started because this node lacks the role, or the singleton is already initialised.
   */
  public static ActorRef<JobManagerCommand> forWorkerNode(ActorSystem<?> system) {
    return ClusterSingleton.get(system).init(SingletonActor.of(Behaviors.<JobManagerCommand>empty(), SINGLETON_NAME)
        .withSettings(ClusterSingletonSettings.create(system).withRole(ROLE)));
  }
}

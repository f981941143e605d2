package io.framefarm.protocol;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Draining a worker node gracefully (SIGTERM, or {@code farm drain NODE} through the API): it stops asking
 * for work, lets its running chunks finish within a drain timeout and hands back the rest, then leaves the
 * cluster. Chunks handed back go to other workers without using up an attempt.
 */
public final class DrainProtocol {
  private DrainProtocol() {}

  /** What a worker node's root accepts from other nodes; the node adds its own local commands. */
  public interface WorkerNodeCommand {}

  /** Worker nodes register under this key, so that the API can find the one to drain by its address. */
  public static final ServiceKey<WorkerNodeCommand> WORKER_NODES =
      ServiceKey.create(WorkerNodeCommand.class, "framefarm-worker-nodes");

  /** Drain the node, then leave the cluster and stop (a drained {@code farm worker} exits 0, not joining again). */
  public record DrainNode(String requestedBy) implements WorkerNodeCommand, FarmMessage {}

  /** A slot of a draining node asks for no more work: its parked request goes, and it no longer counts as a worker. */
  public record WorkerDraining(ActorRef<WorkerCommand> worker) implements JobManagerCommand, FarmMessage {}

  /**
   * A draining slot gives back a chunk it will not finish (its drain timeout passed, or the chunk reached it as
   * it stopped asking): the chunk goes back to pending without using up an attempt.
   */
  public record ChunkHandedBack(String jobId, int chunk, int attempt, String reason, ActorRef<WorkerCommand> worker)
      implements JobManagerCommand, FarmMessage {}
}

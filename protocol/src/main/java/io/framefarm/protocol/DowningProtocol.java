package io.framefarm.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * How a node without the journal's database (a worker) takes part in the split brain resolver's lease: when
 * the resolver on such a node must decide for its side of a partition, it asks a coordinator on its side to
 * take the lease in the database. Each coordinator node serves these at {@code /system/}{@value #KEEPER_NAME}.
 */
public final class DowningProtocol {
  public static final String KEEPER_NAME = "downing-lease";

  private DowningProtocol() {}

  /** What a coordinator's lease keeper accepts. Not sealed: the keeper adds its own local messages. */
  public interface KeeperCommand {}

  /** Take (or keep) the lease for the side of {@code requester} (its address), which this coordinator is on. */
  public record AcquireDowningLease(String requester, ActorRef<DowningLeaseAnswer> replyTo)
      implements KeeperCommand, FarmMessage {}

  /** {@code requester} no longer needs the lease it asked for. */
  public record ReleaseDowningLease(String requester, ActorRef<DowningLeaseAnswer> replyTo)
      implements KeeperCommand, FarmMessage {}

  /** Whether the coordinator holds the lease (after an acquire) or gave it up (after a release). */
  public record DowningLeaseAnswer(boolean held) implements FarmMessage {}
}

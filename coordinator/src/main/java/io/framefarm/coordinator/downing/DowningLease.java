package io.framefarm.coordinator.downing;

import com.typesafe.config.Config;
import io.framefarm.coordinator.JournalDatabase;
import io.framefarm.protocol.JobManagerProxy;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.coordination.lease.LeaseSettings;
import org.apache.pekko.coordination.lease.javadsl.Lease;

/**
 * The split brain resolver's lease ({@code lease-majority}), the one class named in HOCON for every node: the
 * side of a partition that takes it keeps running, the other downs itself. What taking it means depends on
 * the node, which is why this class only picks and forwards:
 * <ul>
 *   <li>a coordinator on PostgreSQL takes a row of the journal's database ({@link JournalHeldLease}): the
 *       database is the third party that breaks a tie between two coordinators, which no count of members can;
 *   <li>a coordinator on the embedded database always gets it ({@link EmbeddedLease}): that database admits one
 *       coordinator process, so there is nobody to arbitrate with;
 *   <li>any other node (a worker) asks a coordinator on its own side to take it ({@link AskingLease}), and is
 *       refused when there is none: the resolver acts on whichever node leads a side, which may be a worker,
 *       and a side without a coordinator must never win.
 * </ul>
 */
public final class DowningLease extends Lease {
  /** Where this lease's settings live ({@code lease-class}, heartbeat, operation timeout). */
  public static final String CONFIG_PATH = "framefarm.downing-lease";

  private final LeaseSettings settings;
  private final Lease side;

  public DowningLease(LeaseSettings settings, ExtendedActorSystem system) {
    this.settings = settings;
    Config config = system.settings().config();
    if (!config.getStringList("pekko.cluster.roles").contains(JobManagerProxy.ROLE)) {
      side = new AskingLease(settings, system);
    } else {
      JournalDatabase db = JournalDatabase.of(config);
      side = db.isPostgres() ? new JournalHeldLease(settings, system,
          new JournalLease(db, settings.leaseName(), settings.timeoutSettings().getOperationTimeout()))
          : new EmbeddedLease(settings);
    }
  }

  @Override
  public LeaseSettings getSettings() {
    return settings;
  }

  @Override
  public CompletionStage<Boolean> acquire() {
    return side.acquire();
  }

  @Override
  public CompletionStage<Boolean> acquire(Consumer<Optional<Throwable>> leaseLostCallback) {
    return side.acquire(leaseLostCallback);
  }

  @Override
  public CompletionStage<Boolean> release() {
    return side.release();
  }

  @Override
  public boolean checkLease() {
    return side.checkLease();
  }
}

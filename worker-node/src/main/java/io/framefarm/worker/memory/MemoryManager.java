package io.framefarm.worker.memory;

import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.MemorySize;
import io.framefarm.worker.memory.Grant.Granted;
import io.framefarm.worker.memory.Grant.Refused;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The one owner of a device's memory: every model load, buffer lease and reservation on the device
 * goes through it, one command at a time, against the device's budget.
 *
 * <p>Owners are chunk ids (any name that is not blank). A chunk acquires its models and a lease
 * of frame buffers, reports frames processed, and ends with {@link OwnerFinished}, which frees
 * whatever it still held and reports that as leaked. Models load through the {@link ModelLoader} on
 * this actor's thread: simple and serialized, and a slow load holds up the device's queue by design,
 * since nothing else may allocate on the device meanwhile. Spawn it on a dispatcher that may block
 * for a model load (a pinned thread: a CUDA context binds to one).
 *
 * <p>An exception from the books is a bug: the manager restarts with empty books. On the way down it
 * frees everything the device held, reports every owner's reclaimed leases, reservations and model
 * uses ({@link MemoryEvent.LeasesReclaimed}), and tells its {@link WatchRestarts} subscribers, so that
 * the chunks that held them fail at once instead of waiting for answers that will never come. After
 * {@value #MAX_RESTARTS} restarts within {@link #RESTART_WINDOW} it stops, and its stop frees everything.
 */
public final class MemoryManager extends AbstractBehavior<MemoryManager.Command> {

  public sealed interface Command extends NoSerializationVerificationNeeded {}

  /** Loads and pins the models every chunk on this device needs; send once when the worker starts. */
  public record LoadPrimaryModels(List<ModelSpec> models, ActorRef<ModelsReply> replyTo) implements Command {
    public LoadPrimaryModels {
      models = List.copyOf(models);
    }
  }

  /** Grants {@code owner} all of {@code models}, loading missing ones and evicting unused ones if needed, or none. */
  public record AcquireModels(String owner, List<ModelSpec> models, ActorRef<ModelsReply> replyTo) implements Command {
    public AcquireModels {
      models = List.copyOf(models);
    }
  }

  /** Ends {@code owner}'s use of its models; they stay resident but may be evicted. */
  public record ReleaseModels(String owner) implements Command {}

  /**
   * Lends {@code owner} {@code count} frame buffers of {@code bytesEach}. {@code requestedAt} marks the
   * requester's call site for leak reports, or is null: build the command with the device's
   * {@link LeaseSites} to capture it when the tracking level asks for it; the short form records none.
   */
  public record LeaseBuffers(String owner, long bytesEach, int count, ActorRef<LeaseReply> replyTo,
      Throwable requestedAt)
      implements Command {
    public LeaseBuffers(String owner, long bytesEach, int count, ActorRef<LeaseReply> replyTo, LeaseSites sites) {
      this(owner, bytesEach, count, replyTo, sites.next());
    }

    public LeaseBuffers(String owner, long bytesEach, int count, ActorRef<LeaseReply> replyTo) {
      this(owner, bytesEach, count, replyTo, (Throwable) null);
    }
  }

  /** Gives a lease back; {@link BufferLease#close()} sends this. */
  public record ReturnBuffers(BufferLease lease) implements Command {}

  /** Reserves memory for {@code owner}'s own use, such as the runtime's working memory for a chunk. */
  public record Reserve(String owner, long bytes, ActorRef<ReserveReply> replyTo) implements Command {}

  /** Releases part of a reservation; releasing more than reserved is logged as the caller's bug and ignored. */
  public record Release(String owner, long bytes) implements Command {}

  /**
   * {@code owner} ended (done, failed, cancelled, its worker stopped): frees all it held, reporting what it had not
   * given back.
   */
  public record OwnerFinished(String owner) implements Command {}

  /** Counts frames toward the every-N-frames cleanup. */
  public record FramesProcessed(String owner, int frames) implements Command {}

  public record GetStats(ActorRef<MemoryStats> replyTo) implements Command {}

  /** Tells {@code subscriber} every time this manager restarts; subscriptions survive restarts. */
  public record WatchRestarts(ActorRef<Restarted> subscriber) implements Command {}

  /** For tests: fails the manager as a bug in its books would. Package-private, out of the product's way. */
  record Crash(String reason) implements Command {}

  private enum CleanupTick implements Command { INSTANCE }

  private enum ReportTick implements Command { INSTANCE }

  private enum ReportDue implements Command { INSTANCE }

  public sealed interface ModelsReply extends NoSerializationVerificationNeeded {}

  /** The models, in the order requested; they stay resident until the owner releases them. */
  public record ModelsAcquired(String owner, List<ModelHandle> models) implements ModelsReply {}

  public sealed interface LeaseReply extends NoSerializationVerificationNeeded {}

  public record BuffersLeased(BufferLease lease) implements LeaseReply {}

  public sealed interface ReserveReply extends NoSerializationVerificationNeeded {}

  public record Reserved(String owner, long bytes) implements ReserveReply {}

  /**
   * The answer to any request for memory that cannot be granted, with the sizes in {@code reason}.
   * {@code retryable} is false when the request can never fit this device, true when running chunks hold the room.
   */
  public record Rejected(String owner, long requestedBytes, String reason, boolean retryable)
      implements ModelsReply, LeaseReply, ReserveReply {}

  /**
   * The manager of {@code deviceId} failed and restarted ({@code restarts} times so far); every lease,
   * reservation and model use of {@code owners} was reclaimed, and nothing granted before is valid.
   */
  public record Restarted(String deviceId, int restarts, List<String> owners)
      implements NoSerializationVerificationNeeded {
    public Restarted {
      owners = List.copyOf(owners);
    }
  }

  static final int MAX_RESTARTS = 10;
  static final Duration RESTART_WINDOW = Duration.ofMinutes(1);

  /** What outlives a restart: the subscribers and the count. Touched only on the manager's thread. */
  private static final class Lifetime {
    final Set<ActorRef<Restarted>> subscribers = new LinkedHashSet<>();
    int restarts;
  }

  private final TimerScheduler<Command> timers;
  private final Device device;
  private final Lifetime lifetime;
  private final MemoryConfig config;
  private final ActorRef<MemoryEvent> events;
  private final DeviceMemory memory;
  private final Consumer<BufferLease> returnToSelf;
  private long framesSinceCleanup;
  private boolean reportWindowOpen;
  private boolean changedInWindow;

  private MemoryManager(ActorContext<Command> context, TimerScheduler<Command> timers, Lifetime lifetime, Device device,
      MemoryConfig config, ModelLoader loader, ActorRef<MemoryEvent> events, Clock clock) {
    super(context);
    this.timers = timers;
    this.device = device;
    this.lifetime = lifetime;
    this.config = config;
    this.events = events;
    this.memory = new DeviceMemory(device, config, loader, events::tell, clock);
    ActorRef<Command> self = context.getSelf();
    this.returnToSelf = lease -> self.tell(new ReturnBuffers(lease));
    timers.startTimerWithFixedDelay(CleanupTick.INSTANCE, config.cleanupInterval());
    timers.startTimerWithFixedDelay(ReportTick.INSTANCE, config.reportInterval());
    context.getLog().info("Memory manager for {} ({}): budget {}", device.id(), device.name(),
        MemorySize.format(memory.stats().budgetBytes()));
    context.getLog().debug("Memory manager for {} configured with {}", device.id(), config);
  }

  /** A memory manager for {@code device}, publishing its events to {@code events}. */
  public static Behavior<Command> create(Device device, MemoryConfig config, ModelLoader loader,
      ActorRef<MemoryEvent> events) {
    return create(device, config, loader, events, Clock.systemUTC());
  }

  static Behavior<Command> create(Device device, MemoryConfig config, ModelLoader loader, ActorRef<MemoryEvent> events,
      Clock clock) {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(loader, "loader");
    Objects.requireNonNull(events, "events");
    return Behaviors.setup(outer -> {
      Lifetime lifetime = new Lifetime();
      Behavior<Command> manager = Behaviors.setup(context -> Behaviors.withTimers(
          timers -> new MemoryManager(context, timers, lifetime, device, config, loader, events, clock)));
      return Behaviors.supervise(manager)
          .onFailure(Exception.class, SupervisorStrategy.restart().withLimit(MAX_RESTARTS, RESTART_WINDOW));
    });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(LoadPrimaryModels.class, this::onLoadPrimaryModels)
        .onMessage(AcquireModels.class, this::onAcquireModels)
        .onMessage(ReleaseModels.class, this::onReleaseModels)
        .onMessage(LeaseBuffers.class, this::onLeaseBuffers)
        .onMessage(ReturnBuffers.class, this::onReturnBuffers)
        .onMessage(Reserve.class, this::onReserve)
        .onMessage(Release.class, this::onRelease)
        .onMessage(OwnerFinished.class, this::onOwnerFinished)
        .onMessage(FramesProcessed.class, this::onFramesProcessed)
        .onMessage(GetStats.class, this::onGetStats)
        .onMessage(WatchRestarts.class, this::onWatchRestarts)
        .onMessage(Crash.class, this::onCrash)
        .onMessageEquals(CleanupTick.INSTANCE, this::onCleanupTick)
        .onMessageEquals(ReportTick.INSTANCE, this::onReportTick)
        .onMessageEquals(ReportDue.INSTANCE, this::onReportDue)
        .onSignal(PreRestart.class, signal -> onPreRestart())
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onLoadPrimaryModels(LoadPrimaryModels command) {
    command.replyTo().tell(modelsReply(Owner.PRIMARY_MODELS.name(), memory.loadPrimary(command.models())));
    changed();
    return this;
  }

  private Behavior<Command> onAcquireModels(AcquireModels command) {
    command.replyTo().tell(modelsReply(command.owner(), memory.acquire(command.owner(), command.models())));
    changed();
    return this;
  }

  private Behavior<Command> onReleaseModels(ReleaseModels command) {
    memory.releaseModels(command.owner());
    changed();
    return this;
  }

  private Behavior<Command> onLeaseBuffers(LeaseBuffers command) {
    Grant<BufferLease> grant = memory.lease(command.owner(), command.bytesEach(), command.count(),
        command.requestedAt(), returnToSelf);
    if (grant instanceof Granted<BufferLease> granted) {
      command.replyTo().tell(new BuffersLeased(granted.value()));
    } else if (grant instanceof Refused<BufferLease> refused) {
      command.replyTo().tell(new Rejected(command.owner(), refused.requestedBytes(), refused.reason(),
          refused.retryable()));
    }
    changed();
    return this;
  }

  private Behavior<Command> onReturnBuffers(ReturnBuffers command) {
    if (!memory.giveBack(command.lease())) {
      // Reclaimed when its owner finished first, or sent twice: nothing left to do.
      getContext().getLog().debug("{} was not out", command.lease());
    }
    changed();
    return this;
  }

  private Behavior<Command> onReserve(Reserve command) {
    Grant<Long> grant = memory.reserve(command.owner(), command.bytes(), null);
    if (grant instanceof Granted<Long>) {
      command.replyTo().tell(new Reserved(command.owner(), command.bytes()));
    } else if (grant instanceof Refused<Long> refused) {
      command.replyTo().tell(new Rejected(command.owner(), refused.requestedBytes(), refused.reason(),
          refused.retryable()));
    }
    changed();
    return this;
  }

  private Behavior<Command> onRelease(Release command) {
    try {
      memory.release(command.owner(), command.bytes());
    } catch (IllegalStateException e) {
      // The caller's books are wrong, not ours: refuse rather than clamp, and keep serving the device.
      getContext().getLog().error("Ignored release from {}: {}", command.owner(), e.getMessage());
    }
    changed();
    return this;
  }

  private Behavior<Command> onOwnerFinished(OwnerFinished command) {
    int leaks = memory.finishOwner(command.owner());
    getContext().getLog().debug("{} finished; {} leak(s) reclaimed", command.owner(), leaks);
    changed();
    return this;
  }

  private Behavior<Command> onFramesProcessed(FramesProcessed command) {
    framesSinceCleanup += command.frames();
    if (framesSinceCleanup >= config.cleanupEveryFrames()) {
      framesSinceCleanup = 0;
      cleanup("every " + config.cleanupEveryFrames() + " frames");
    }
    return this;
  }

  private Behavior<Command> onGetStats(GetStats command) {
    command.replyTo().tell(memory.stats());
    return this;
  }

  private Behavior<Command> onCleanupTick() {
    cleanup("timer");
    return this;
  }

  private Behavior<Command> onReportTick() {
    events.tell(new MemoryEvent.MemoryReported(memory.stats()));
    return this;
  }

  private Behavior<Command> onReportDue() {
    reportWindowOpen = false;
    if (changedInWindow) {
      changedInWindow = false;
      reportChange();
    }
    return this;
  }

  private Behavior<Command> onWatchRestarts(WatchRestarts command) {
    lifetime.subscribers.add(command.subscriber());
    return this;
  }

  private Behavior<Command> onCrash(Crash command) {
    throw new IllegalStateException("injected failure: " + command.reason());
  }

  // The next instance starts with empty books: whatever this one granted is freed here and reported,
  // and the holders are told, so that none of them keeps using memory that is no longer theirs.
  private Behavior<Command> onPreRestart() {
    List<DeviceMemory.Reclaimed> reclaimed = memory.reclaimAll();
    lifetime.restarts++;
    for (DeviceMemory.Reclaimed r : reclaimed) {
      getContext().getLog().warn("Memory manager for {} restarting: reclaimed {} ({} bytes) from {}", device.id(),
          r.what(), r.bytes(), r.owner());
      events.tell(new MemoryEvent.LeasesReclaimed(device.id(), r.owner(), r.what(), r.bytes(), lifetime.restarts));
    }
    Restarted restarted = new Restarted(device.id(), lifetime.restarts,
        reclaimed.stream().map(DeviceMemory.Reclaimed::owner).distinct().toList());
    getContext().getLog().warn("Memory manager for {} restarting (restart {}): {} owner(s) lost what they held",
        device.id(), lifetime.restarts, restarted.owners().size());
    lifetime.subscribers.forEach(subscriber -> subscriber.tell(restarted));
    return this;
  }

  private Behavior<Command> onPostStop() {
    memory.close();
    return this;
  }

  private void cleanup(String reason) {
    if (memory.cleanup(reason) > 0) {
      changed();
    }
  }

  // After anything that may have changed the books: pressure first, so a spike is reported even when
  // the cleanup it triggers ends it at once; then a report, at most one per reportMinInterval.
  private void changed() {
    memory.updatePressure();
    if (memory.aboveHighWatermark()) {
      memory.cleanup("above high watermark");
    }
    if (reportWindowOpen) {
      changedInWindow = true;
    } else {
      reportChange();
    }
  }

  private void reportChange() {
    events.tell(new MemoryEvent.MemoryReported(memory.stats()));
    reportWindowOpen = true;
    timers.startSingleTimer(ReportDue.INSTANCE, config.reportMinInterval());
  }

  private static ModelsReply modelsReply(String owner, Grant<List<ModelHandle>> grant) {
    if (grant instanceof Granted<List<ModelHandle>> granted) {
      return new ModelsAcquired(owner, granted.value());
    }
    Refused<List<ModelHandle>> refused = (Refused<List<ModelHandle>>) grant;
    return new Rejected(owner, refused.requestedBytes(), refused.reason(), refused.retryable());
  }
}

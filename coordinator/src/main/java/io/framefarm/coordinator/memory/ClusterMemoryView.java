package io.framefarm.coordinator.memory;

import io.framefarm.coordinator.metrics.DeviceBoard;
import io.framefarm.protocol.MemoryProtocol;
import io.framefarm.protocol.MemoryProtocol.DeviceEvent;
import io.framefarm.protocol.MemoryProtocol.DeviceReport;
import io.framefarm.protocol.MemoryProtocol.MemoryNotice;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The coordinator's view of every device's memory: the latest report per device and the recent
 * events, read from the cluster memory topic. Serves the API, {@code farm nodes} and live watchers.
 */
public final class ClusterMemoryView extends AbstractBehavior<ClusterMemoryView.Command> {
  private static final int RECENT_EVENTS = 500;

  public sealed interface Command extends NoSerializationVerificationNeeded {}

  public record GetDevices(ActorRef<Devices> replyTo) implements Command {}

  public record Devices(List<DeviceReport> reports, List<DeviceEvent> recentEvents)
      implements NoSerializationVerificationNeeded {}

  /**
   * Answers with the devices as soon as a device of {@code node} has reported (of any node when {@code node}
   * is null), or after {@code within} with what there is.
   */
  public record AwaitReport(String node, Duration within, ActorRef<Devices> replyTo) implements Command {}

  private record AwaitTimedOut(AwaitReport waiter) implements Command {}

  /** Streams every notice from now on to {@code subscriber} until it stops. */
  public record Watch(ActorRef<MemoryNotice> subscriber) implements Command {}

  private record Noticed(MemoryNotice notice) implements Command {}

  private record NodeLeft(String address) implements Command {}

  private final Map<String, DeviceReport> latest = new LinkedHashMap<>();
  private final Deque<DeviceEvent> recent = new ArrayDeque<>();
  private final Set<ActorRef<MemoryNotice>> watchers = new HashSet<>();
  /** The reports as metrics, read by scrapes on other threads. */
  private final DeviceBoard board;
  private final List<AwaitReport> waiters = new ArrayList<>();
  private final TimerScheduler<Command> timers;

  public static Behavior<Command> create() {
    return create(new DeviceBoard());
  }

  public static Behavior<Command> create(DeviceBoard board) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new ClusterMemoryView(context, timers, board)));
  }

  private ClusterMemoryView(ActorContext<Command> context, TimerScheduler<Command> timers, DeviceBoard board) {
    super(context);
    this.timers = timers;
    this.board = board;
    ActorRef<Topic.Command<MemoryNotice>> topic = context.spawn(
        Topic.create(MemoryNotice.class, MemoryProtocol.TOPIC), "memory-topic");
    topic.tell(Topic.subscribe(context.messageAdapter(MemoryNotice.class, Noticed::new)));
    ActorRef<ClusterEvent.MemberRemoved> removed = context.messageAdapter(ClusterEvent.MemberRemoved.class,
        e -> new NodeLeft(e.member().address().toString()));
    Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(removed, ClusterEvent.MemberRemoved.class));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Noticed.class, this::onNoticed)
        .onMessage(GetDevices.class, this::onGetDevices)
        .onMessage(AwaitReport.class, this::onAwaitReport)
        .onMessage(AwaitTimedOut.class, this::onAwaitTimedOut)
        .onMessage(Watch.class, this::onWatch)
        .onMessage(NodeLeft.class, this::onNodeLeft)
        .onSignal(Terminated.class, this::onWatcherStopped)
        .build();
  }

  private Behavior<Command> onNoticed(Noticed m) {
    MemoryNotice notice = m.notice();
    if (notice instanceof DeviceReport report) {
      latest.put(key(report.node(), report.deviceId()), report);
      board.reported(report);
      List<AwaitReport> answered = waiters.stream().filter(w -> reported(w.node())).toList();
      answered.forEach(w -> {
        timers.cancel(w);
        waiters.remove(w);
        w.replyTo().tell(devices());
      });
    } else if (notice instanceof DeviceEvent event) {
      recent.addLast(event);
      if (recent.size() > RECENT_EVENTS) {
        recent.removeFirst();
      }
    }
    watchers.forEach(w -> w.tell(notice));
    return this;
  }

  private Behavior<Command> onGetDevices(GetDevices m) {
    m.replyTo().tell(devices());
    return this;
  }

  private Behavior<Command> onAwaitReport(AwaitReport m) {
    if (reported(m.node())) {
      m.replyTo().tell(devices());
    } else {
      waiters.add(m);
      timers.startSingleTimer(m, new AwaitTimedOut(m), m.within());
    }
    return this;
  }

  private Behavior<Command> onAwaitTimedOut(AwaitTimedOut m) {
    if (waiters.remove(m.waiter())) {
      m.waiter().replyTo().tell(devices());
    }
    return this;
  }

  private boolean reported(String node) {
    return node == null ? !latest.isEmpty() : latest.values().stream().anyMatch(r -> r.node().equals(node));
  }

  private Devices devices() {
    List<DeviceReport> reports = new ArrayList<>(latest.values());
    reports.sort(Comparator.comparing(DeviceReport::node).thenComparing(DeviceReport::deviceId));
    return new Devices(reports, List.copyOf(recent));
  }

  private Behavior<Command> onWatch(Watch m) {
    watchers.add(m.subscriber());
    getContext().watch(m.subscriber());
    return this;
  }

  private Behavior<Command> onWatcherStopped(Terminated t) {
    watchers.removeIf(w -> w.equals(t.getRef()));
    return this;
  }

  private Behavior<Command> onNodeLeft(NodeLeft m) {
    latest.values().removeIf(r -> r.node().equals(m.address()));
    board.nodeLeft(m.address());
    return this;
  }

  private static String key(String node, String device) {
    return node + "/" + device;
  }
}

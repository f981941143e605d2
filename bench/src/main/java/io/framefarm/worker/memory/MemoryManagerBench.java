package io.framefarm.worker.memory;

import com.typesafe.config.ConfigFactory;
import io.framefarm.media.PixelLayout;
import io.framefarm.media.VideoFrame;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.HostDevice;
import io.framefarm.worker.memory.Grant.Granted;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Operations per second through one device's memory-manager actor, against the same calls on its
 * plain-Java books ({@link DeviceMemory}, what the actor wraps) in the same run.
 *
 * <p>One op is a pair: reserve + release, lease + return, or one stats snapshot. {@code ask}: the caller
 * waits for each reply, as a chunk's thread does. {@code pipelined}: {@value #PIPELINE} pairs of tells,
 * then one {@code GetStats} ask to wait for the mailbox to drain. In this package because
 * {@link DeviceMemory} is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 3, jvmArgsAppend = "-Xmx1g")
public class MemoryManagerBench {
  static final int PIPELINE = 1000;
  private static final long BUDGET = 1L << 30;
  private static final long RESERVATION = 1L << 20;
  private static final long FRAME_BYTES = VideoFrame.byteSize(1280, 720, PixelLayout.YUV420P);
  private static final String OWNER = "chunk-0";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ModelLoader NO_MODELS = spec -> {
    throw new IllegalStateException("no models in this benchmark");
  };

  private ActorSystem<Void> system;
  private ActorRef<MemoryManager.Command> manager;
  private ActorRef<MemoryManager.ReserveReply> ignoreReplies;
  private DeviceMemory plain;

  @Setup(Level.Trial)
  public void setUp() {
    MemoryConfig config = MemoryConfig.defaults(Device.Kind.HOST);
    // A plain local actor system: the classpath's application.conf is the cli's, which asks for a cluster.
    system = ActorSystem.create(Behaviors.empty(), "bench", ConfigFactory.parseString(
        "pekko.actor.provider = local\npekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
    ActorRef<MemoryEvent> events = system.systemActorOf(Behaviors.ignore(), "memory-events", Props.empty());
    manager = system.systemActorOf(MemoryManager.create(new HostDevice(0, BUDGET), config, NO_MODELS, events),
        "memory-manager", Props.empty());
    ignoreReplies = system.systemActorOf(Behaviors.ignore(), "replies", Props.empty());
    plain = new DeviceMemory(new HostDevice(1, BUDGET), config, NO_MODELS, event -> {}, Clock.systemUTC());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    MemoryStats stats = actorStats();
    if (!stats.nothingHeld() || !plain.stats().nothingHeld()) {
      throw new IllegalStateException("memory still held after the benchmark: " + stats);
    }
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }

  @Benchmark
  public Object plainReserveRelease() {
    Grant<Long> grant = plain.reserve(OWNER, RESERVATION, null);
    plain.release(OWNER, RESERVATION);
    return grant;
  }

  @Benchmark
  public Object actorReserveReleaseAsk() {
    MemoryManager.ReserveReply reply = AskPattern.<MemoryManager.Command, MemoryManager.ReserveReply>ask(manager,
        replyTo -> new MemoryManager.Reserve(OWNER, RESERVATION, replyTo), TIMEOUT, system.scheduler())
        .toCompletableFuture().join();
    if (!(reply instanceof MemoryManager.Reserved)) {
      throw new IllegalStateException("refused: " + reply);
    }
    manager.tell(new MemoryManager.Release(OWNER, RESERVATION));
    return reply;
  }

  @Benchmark
  @OperationsPerInvocation(PIPELINE)
  public Object actorReserveReleasePipelined() {
    for (int i = 0; i < PIPELINE; i++) {
      manager.tell(new MemoryManager.Reserve(OWNER, RESERVATION, ignoreReplies));
      manager.tell(new MemoryManager.Release(OWNER, RESERVATION));
    }
    return actorStats();
  }

  @Benchmark
  public Object plainLeaseReturn() {
    Grant<BufferLease> grant = plain.lease(OWNER, FRAME_BYTES, 1, new LeakTracker.Site(), plain::giveBack);
    BufferLease lease = ((Granted<BufferLease>) grant).value();
    lease.close();
    return lease;
  }

  @Benchmark
  public Object actorLeaseReturnAsk() {
    MemoryManager.LeaseReply reply = AskPattern.<MemoryManager.Command, MemoryManager.LeaseReply>ask(manager,
        replyTo -> new MemoryManager.LeaseBuffers(OWNER, FRAME_BYTES, 1, replyTo), TIMEOUT, system.scheduler())
        .toCompletableFuture().join();
    BufferLease lease = ((MemoryManager.BuffersLeased) reply).lease();
    lease.close();
    return lease;
  }

  @Benchmark
  public Object plainStats() {
    return plain.stats();
  }

  @Benchmark
  public Object actorStatsAsk() {
    return actorStats();
  }

  private MemoryStats actorStats() {
    return AskPattern.<MemoryManager.Command, MemoryStats>ask(manager, MemoryManager.GetStats::new, TIMEOUT,
        system.scheduler()).toCompletableFuture().join();
  }
}

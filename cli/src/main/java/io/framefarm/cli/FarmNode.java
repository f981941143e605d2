package io.framefarm.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.framefarm.coordinator.Coordinator;
import io.framefarm.coordinator.JournalSchema;
import io.framefarm.coordinator.memory.ClusterMemoryView;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.JobManagerProxy;
import io.framefarm.worker.WorkerNode;
import io.framefarm.worker.slot.Scratch;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running cluster node: an actor system with a coordinator, a worker node, or both (the
 * embedded default of {@code farm up}). Tests start several in one JVM on loopback ports.
 */
public final class FarmNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FarmNode.class);
  private final ActorSystem<Void> system;
  private final Coordinator coordinator;

  private FarmNode(ActorSystem<Void> system, Coordinator coordinator) {
    this.system = system;
    this.coordinator = coordinator;
  }

  /**
   * Starts a node from {@code config}. Roles come from {@code pekko.cluster.roles}; without seed
   * nodes the node joins itself and founds a cluster, unless Cluster Bootstrap
   * ({@code framefarm.cluster-bootstrap.enabled}) finds the cluster to join.
   */
  public static FarmNode start(Config config, int cpuSlots) {
    return start(config, new WorkerOptions(cpuSlots, "all", 0, 0));
  }

  /**
   * What a worker node runs on: CPU slots, which GPUs, each device's memory budget and the model cache's budget on
   * disk (0: their defaults).
   */
  public record WorkerOptions(int cpuSlots, String gpus, long memoryBudgetBytes, long modelCacheBytes) {}

  public static FarmNode start(Config config, WorkerOptions worker) {
    if (config.getStringList("pekko.cluster.roles").contains(JobManagerProxy.ROLE)) {
      // Before the actor system: a journal database out of reach stops the node before it joins the cluster.
      JournalSchema.ensure(config);
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeOptions.SYSTEM_NAME, withDrainTime(config));
    try {
      Cluster cluster = Cluster.get(system);
      boolean bootstrap = config.getBoolean("framefarm.cluster-bootstrap.enabled");
      // With Cluster Bootstrap the node must not found a cluster of its own: bootstrap decides whom it joins.
      if (config.getStringList("pekko.cluster.seed-nodes").isEmpty() && !bootstrap) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      // Joining can take a while (seed nodes still starting): say when this node is in, and with which roles.
      org.apache.pekko.cluster.Cluster.get(system.classicSystem()).registerOnMemberUp(() -> log.info(
          "Node {} is up in the cluster with roles {}", cluster.selfMember().address(),
          cluster.selfMember().getRoles()));
      if (config.getBoolean("framefarm.management.enabled")) {
        PekkoManagement.get(Adapter.toClassic(system)).start().toCompletableFuture().join();
      }
      if (bootstrap) {
        if (!config.getBoolean("framefarm.management.enabled")) {
          throw new IllegalArgumentException("Cluster Bootstrap needs Pekko Management (--management-port)");
        }
        // After management is up: bootstrap learns its own contact point from it, and other nodes probe it there.
        ClusterBootstrap.get(Adapter.toClassic(system)).start();
        log.info("Cluster Bootstrap started: discovering the cluster through {}",
            config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
      }
      boolean coordinates = cluster.selfMember().hasRole(JobManagerProxy.ROLE);
      Coordinator coordinator = coordinates ? Coordinator.start(system) : null;
      if (cluster.selfMember().hasRole("worker")) {
        ActorRef<JobManagerCommand> jobManager = coordinates ? coordinator.jobManager()
            : JobManagerProxy.forWorkerNode(system);
        Path workDir = Path.of(config.getString("framefarm.data-dir")).toAbsolutePath().resolve("work")
            .resolve(String.valueOf(cluster.selfMember().address().port().getOrElse(() -> 0)));
        Scratch.prepare(workDir);
        // Per port, as the work dir is: two workers started on one data dir must not write the same part files.
        Path modelCache = Path.of(config.getString("framefarm.data-dir")).toAbsolutePath().resolve("model-cache")
            .resolve(String.valueOf(cluster.selfMember().address().port().getOrElse(() -> 0)));
        var settings = new WorkerNode.Settings(worker.cpuSlots(), workDir, worker.gpus(), worker.memoryBudgetBytes(),
            java.util.function.UnaryOperator.identity(), modelCache, worker.modelCacheBytes());
        system.systemActorOf(WorkerNode.create(jobManager, settings), "worker-node", Props.empty());
      }
      return new FarmNode(system, coordinator);
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  /**
   * Coordinated shutdown gives each phase 5 s (10 s to leave) by default: the phase in which a worker drains
   * gets the drain timeout and a margin, so that its running chunks may finish, and so does the phase in which a
   * coordinator lets its uploads under way finish.
   */
  private static Config withDrainTime(Config config) {
    Duration drain = config.getDuration("framefarm.worker.drain-timeout");
    Duration uploads = config.getDuration("framefarm.coordinator.drain-timeout");
    return ConfigFactory.empty().withValue("pekko.coordinated-shutdown.phases.before-cluster-shutdown.timeout",
        ConfigValueFactory.fromAnyRef(drain.plusSeconds(15).toMillis() + "ms"))
        .withValue("pekko.coordinated-shutdown.phases.before-service-unbind.timeout",
            ConfigValueFactory.fromAnyRef(uploads.plusSeconds(5).toMillis() + "ms")).withFallback(config);
  }

  /**
   * Drains this node and stops it: its worker takes no more chunks, lets running ones finish within the drain
   * timeout and hands back the rest, then the node leaves the cluster (coordinated shutdown).
   */
  public void drain() {
    CoordinatedShutdown.get(Adapter.toClassic(system)).runAll(WorkerNode.DrainReason.INSTANCE);
  }

  /**
   * Stops this node the way {@code farm coordinator} does on SIGTERM: new uploads are refused, those under way may
   * finish within {@code framefarm.coordinator.drain-timeout}, then the HTTP server unbinds and the node leaves.
   */
  public void stop() {
    CoordinatedShutdown.get(Adapter.toClassic(system)).runAll(StopReason.INSTANCE);
  }

  /** A stop asked for by a signal, as opposed to a worker's drain or the cluster downing the node. */
  public enum StopReason implements CoordinatedShutdown.Reason { INSTANCE }

  /** Whether this node stopped (or is stopping) for a drain, asked here or through the API. */
  public boolean drained() {
    return CoordinatedShutdown.get(Adapter.toClassic(system)).getShutdownReason()
        .filter(WorkerNode.DrainReason.INSTANCE::equals).isPresent();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Where this node's HTTP API listens, if it is a coordinator. */
  public Optional<InetSocketAddress> httpAddress() {
    return Optional.ofNullable(coordinator).map(Coordinator::httpAddress);
  }

  /** The coordinator's HTTP routes, such as {@code "GET /api/v1/jobs/{id}"}; empty on a worker-only node. */
  public java.util.List<String> httpRoutes() {
    return coordinator == null ? java.util.List.of() : coordinator.httpRoutes();
  }

  public String apiUrl() {
    InetSocketAddress a = httpAddress().orElseThrow(() -> new IllegalStateException("not a coordinator node"));
    return "http://" + a.getHostString() + ":" + a.getPort();
  }

  /**
   * Waits until this node's own worker has reported its devices' memory to the coordinator on this node (a
   * node with both roles, as {@code farm up} starts): from then on, submissions are checked against a real
   * budget. True if it reported within {@code within}.
   */
  public boolean awaitOwnWorker(Duration within) {
    if (coordinator == null) {
      throw new IllegalStateException("not a coordinator node");
    }
    String self = Cluster.get(system).selfMember().address().toString();
    ClusterMemoryView.Devices devices = AskPattern.<ClusterMemoryView.Command, ClusterMemoryView.Devices>ask(
        coordinator.memoryView(), replyTo -> new ClusterMemoryView.AwaitReport(self, within, replyTo),
        within.plusSeconds(5), system.scheduler()).toCompletableFuture().join();
    return devices.reports().stream().anyMatch(r -> r.node().equals(self));
  }

  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }
}

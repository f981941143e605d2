package io.framefarm.coordinator;

import com.typesafe.config.Config;
import io.framefarm.coordinator.activity.JobActivity;
import io.framefarm.coordinator.api.Endpoint;
import io.framefarm.coordinator.api.HttpApi;
import io.framefarm.coordinator.api.JobValidator;
import io.framefarm.coordinator.api.PathRules;
import io.framefarm.coordinator.api.UploadFiles;
import io.framefarm.coordinator.downing.DowningLeaseKeeper;
import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.jobs.JobManager;
import io.framefarm.coordinator.jobs.JobManagerSettings;
import io.framefarm.coordinator.jobs.MembershipWatcher;
import io.framefarm.coordinator.memory.ClusterMemoryView;
import io.framefarm.coordinator.metrics.FarmMetrics;
import io.framefarm.coordinator.transfer.ChunkStore;
import io.framefarm.coordinator.transfer.ChunkTransfer;
import io.framefarm.coordinator.transfer.ScanHandoff;
import io.framefarm.pipeline.FileDigests;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.JobManagerProxy;
import java.net.InetSocketAddress;
import io.framefarm.media.ProbeLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A coordinator node: hosts (or proxies) the job manager singleton and serves the HTTP API.
 * Must start before any worker slot on the same node asks for the singleton.
 */
public final class Coordinator {
  private final ActorRef<JobManagerCommand> jobManager;
  private final ActorRef<ClusterMemoryView.Command> memoryView;
  private final ServerBinding binding;
  private final List<String> routes;

  private Coordinator(ActorRef<JobManagerCommand> jobManager, ActorRef<ClusterMemoryView.Command> memoryView,
      ServerBinding binding, List<String> routes) {
    this.jobManager = jobManager;
    this.memoryView = memoryView;
    this.binding = binding;
    this.routes = routes;
  }

  /**
   * Starts the coordinator's actors and API on {@code system}. The journal's schema must exist already
   * ({@link JournalSchema#ensure}, which {@code FarmNode} runs before the actor system starts, so that a
   * database out of reach stops the node before it joins the cluster).
   */
  public static Coordinator start(ActorSystem<?> system) {
    Config config = system.settings().config();
    Config farm = config.getConfig("framefarm");
    DowningLeaseKeeper.startIfConfigured(system);
    Path dataDir = Path.of(farm.getString("data-dir")).toAbsolutePath();
    Config settings = farm.getConfig("coordinator");
    var metrics = new FarmMetrics();
    ProbeLimits inputLimits = probeLimits(settings.getConfig("input-limits"));
    var handoff = new ScanHandoff();
    var digests = new FileDigests(); // one per node: a model is hashed at its first submission, not again at its fetch
    var transfer = new ChunkTransfer(system, new ChunkStore(dataDir), metrics.transfers(), inputLimits, handoff,
        digests);
    JobHistory history = JobHistory.open(config,
        system.dispatchers().lookup(DispatcherSelector.fromConfig("framefarm.coordinator.history-dispatcher")));
    var jobManagerBehavior = MembershipWatcher.watching(
        JobManager.create(transfer, history, JobManagerSettings.fromConfig(settings), metrics::chunkAssigned));
    ActorRef<JobManagerCommand> jobManager = ClusterSingleton.get(system).init(
        SingletonActor.of(jobManagerBehavior, JobManagerProxy.SINGLETON_NAME)
            .withSettings(ClusterSingletonSettings.create(system).withRole(JobManagerProxy.ROLE)));
    UploadFiles.prepare(dataDir, settings.getDuration("uploads.request-timeout"));
    var validator = new JobValidator(PathRules.under(allowedRoots(settings, dataDir)), pipelinesDir(settings),
        inputLimits, handoff, digests);
    ActorRef<ClusterMemoryView.Command> memoryView = system.systemActorOf(ClusterMemoryView.create(
        metrics.devices()), "memory-view", Props.empty());
    ActorRef<JobActivity.Command> activity = system.systemActorOf(JobActivity.create(metrics), "job-activity",
        Props.empty());
    var api = new HttpApi(system, jobManager, validator, memoryView, history, activity, metrics, dataDir);
    CompletionStage<ServerBinding> bound = Http.get(system)
        .newServerAt(settings.getString("http-host"), settings.getInt("http-port")).bind(api.routes());
    ServerBinding binding = bound.toCompletableFuture().join();
    // Stopping: uploads under way finish (new ones get 503) before the server unbinds and ends its connections.
    Duration drainTimeout = settings.getDuration("drain-timeout");
    CoordinatedShutdown.get(Adapter.toClassic(system)).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(),
        "framefarm-drain-uploads", () -> UploadFiles.drain(api.uploadGate(), drainTimeout));
    binding.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
    system.log().info("Framefarm API listening on http://{}:{}/api/v1, dashboard at / (data in {}, journal {})",
        binding.localAddress().getHostString(), binding.localAddress().getPort(), dataDir,
        JournalDatabase.of(config).safeUrl());
    return new Coordinator(jobManager, memoryView, binding,
        api.endpoints().stream().map(Endpoint::describe).toList());
  }

  /**
   * The configured roots, else the data dir and the directory the coordinator was started in; and always the
   * data dir's uploads and outputs folders, which only the coordinator writes to, so that {@code farm submit
   * --upload} works whatever roots are configured.
   */
  private static List<Path> allowedRoots(Config settings, Path dataDir) {
    List<String> configured = settings.getStringList("allowed-roots");
    List<Path> roots = new java.util.ArrayList<>(configured.isEmpty()
        ? List.of(dataDir, Path.of("").toAbsolutePath()) : configured.stream().map(Path::of).toList());
    roots.addAll(HttpApi.uploadDirs(dataDir));
    return roots;
  }

  private static ProbeLimits probeLimits(Config limits) {
    return new ProbeLimits(limits.getInt("max-width"), limits.getInt("max-height"), limits.getLong("max-pixels"),
        limits.getDuration("probe-timeout"));
  }

  /** Named pipelines: the configured folder, else {@code pipelines/} of the installation, else of the working dir. */
  private static Path pipelinesDir(Config settings) {
    String configured = settings.getString("pipelines-dir");
    if (!configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    String home = System.getProperty("framefarm.home");
    return (home == null ? Path.of("pipelines") : Path.of(home, "pipelines")).toAbsolutePath();
  }

  public ActorRef<JobManagerCommand> jobManager() {
    return jobManager;
  }

  /** Every device's latest memory report, as the API and the scheduler's fit checks read them. */
  public ActorRef<ClusterMemoryView.Command> memoryView() {
    return memoryView;
  }

  public InetSocketAddress httpAddress() {
    return binding.localAddress();
  }

  /** Every route of the HTTP server, such as {@code "GET /api/v1/jobs/{id}"}. */
  public List<String> httpRoutes() {
    return routes;
  }
}

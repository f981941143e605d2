package io.framefarm.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.framefarm.coordinator.JournalSchema;
import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.jobs.JobManager;
import io.framefarm.coordinator.jobs.JobManagerSettings;
import io.framefarm.coordinator.transfer.ChunkStore;
import io.framefarm.coordinator.transfer.ChunkTransfer;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * How long the coordinator's job manager takes to recover with many finished jobs in its journal: the
 * time from spawning it on an existing H2 journal to its first answer (which waits for recovery).
 *
 * <p>Two journals are filled in the same run with {@code JOBS} jobs, each submitted (2 events) and
 * cancelled (1 event): "retained" with the shipped settings (a snapshot every 1,000 events, finished jobs
 * beyond 100 moved to the history table), and the baseline "full replay" with snapshots and retention
 * off, where every event since the first job is replayed as before this change. Each is then recovered
 * {@code RUNS} times in a fresh actor system; medians are printed.
 *
 * <p>Usage: {@code RecoveryBench [JOBS=10000] [RUNS=5]}.
 */
public final class RecoveryBench {
  private static final Duration ASK = Duration.ofMinutes(5);

  public static void main(String[] args) throws Exception {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    JobManagerSettings shipped = JobManagerSettings.fromConfig(
        ConfigFactory.load().getConfig("framefarm.coordinator"));
    JobManagerSettings fullReplay = shipped.withSnapshotEvery(0).withRetention(Integer.MAX_VALUE,
        Duration.ofDays(365_000));
    Path root = Files.createTempDirectory("framefarm-recovery");
    Path retainedDir = root.resolve("retained");
    Path baselineDir = root.resolve("baseline");
    System.out.printf("filling two journals with %,d finished jobs each (this takes a while)%n", jobs);
    fill(retainedDir, shipped, jobs);
    fill(baselineDir, fullReplay, jobs);
    List<Long> retained = new ArrayList<>();
    List<Long> baseline = new ArrayList<>();
    recoverMillis(baselineDir, fullReplay); // warm-up: class loading and JIT, not measured
    recoverMillis(retainedDir, shipped);
    for (int i = 0; i < runs; i++) { // alternating, so that machine noise hits both alike
      baseline.add(recoverMillis(baselineDir, fullReplay));
      retained.add(recoverMillis(retainedDir, shipped));
    }
    long r = median(retained);
    long b = median(baseline);
    System.out.printf("recovery with %,d finished jobs: retained %d ms (runs %s), full replay %d ms (runs %s), "
        + "ratio %.3f%n", jobs, r, retained, b, baseline, (double) r / b);
    System.out.printf("journal rows: retained %,d, full replay %,d%n", journalRows(retainedDir),
        journalRows(baselineDir));
  }

  private static long journalRows(Path dir) throws Exception {
    Config db = config(dir).getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    try (var c = java.sql.DriverManager.getConnection(db.getString("url"), db.getString("user"),
        db.getString("password"));
         var s = c.createStatement(); var rows = s.executeQuery("SELECT COUNT(*) FROM \"event_journal\"")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static Config config(Path dir) {
    String url = "jdbc:h2:file:" + dir.resolve("journal/farm") + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
    return ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local",
        "pekko-persistence-jdbc.shared-databases.slick.db.url", url, "pekko.loglevel", "WARNING",
        "framefarm.data-dir", dir.toString(), "pekko.log-dead-letters", "off")).withFallback(ConfigFactory.load());
  }

  /** {@code spawnedAtNanos}: when the job manager was spawned, the actor system and the history already up. */
  private record Running(ActorSystem<Void> system, ActorRef<JobManagerCommand> jobManager, long spawnedAtNanos) {}

  private static Running start(Path dir, JobManagerSettings settings) {
    Config config = config(dir);
    JournalSchema.ensure(config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "recovery", config);
    JobHistory history = JobHistory.open(config, system.dispatchers().lookup(DispatcherSelector.blocking()));
    var transfer = new ChunkTransfer(system, new ChunkStore(dir));
    long spawnedAt = System.nanoTime();
    ActorRef<JobManagerCommand> jm = system.systemActorOf(JobManager.create(transfer, history, settings), "jobs",
        org.apache.pekko.actor.typed.Props.empty());
    return new Running(system, jm, spawnedAt);
  }

  private static void fill(Path dir, JobManagerSettings settings, int jobs) throws Exception {
    Running r = start(dir, settings);
    var request = new JobRequest("/in.mp4", "/out.mp4", "identity", 10, 0, EncodeSpec.defaults());
    var video = new VideoSpec(320, 240, 1, 30, 30, 1);
    var plan = new PipelinePlan("{}", 0, List.of());
    for (int done = 0; done < jobs; done += 100) {
      List<CompletableFuture<?>> batch = new ArrayList<>();
      for (int i = done; i < Math.min(jobs, done + 100); i++) {
        batch.add(AskPattern.<JobManagerCommand, SubmitReply>ask(r.jobManager(), replyTo -> new SubmitJob(request,
                video, List.of(new PlannedChunk(0, 10, 0, 10)), plan, replyTo), ASK, r.system().scheduler())
            .thenCompose(reply -> AskPattern.<JobManagerCommand, JobReply>ask(r.jobManager(),
                replyTo -> new CancelJob(((JobAccepted) reply).jobId(), replyTo), ASK, r.system().scheduler()))
            .toCompletableFuture());
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
    }
    // Let retention move finished jobs to the history before stopping (no-op for the baseline).
    long deadline = System.currentTimeMillis() + 120_000;
    while (liveJobs(r) > settings.keepFinished() && System.currentTimeMillis() < deadline) {
      Thread.sleep(500); // retention runs on the job manager's tick
    }
    System.out.printf("  %s: %,d jobs, %,d live after retention%n", dir.getFileName(), jobs, liveJobs(r));
    r.system().terminate();
    r.system().getWhenTerminated().toCompletableFuture().join();
  }

  private static int liveJobs(Running r) {
    return AskPattern.<JobManagerCommand, JobList>ask(r.jobManager(), ListJobs::new, ASK, r.system().scheduler())
        .toCompletableFuture().join().jobs().size();
  }

  /** From spawning the job manager to its first answer, which waits for its recovery to finish. */
  private static long recoverMillis(Path dir, JobManagerSettings settings) {
    Running r = start(dir, settings);
    liveJobs(r);
    long millis = (System.nanoTime() - r.spawnedAtNanos()) / 1_000_000;
    r.system().terminate();
    r.system().getWhenTerminated().toCompletableFuture().join();
    return millis;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }
}

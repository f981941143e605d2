package io.framefarm.worker;

import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.worker.slot.WorkerSlot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** A worker node's root: one slot actor per CPU slot, each pulling chunks from the job manager. */
public final class WorkerNode {
  /** How many slots and where they keep scratch files. */
  public record Settings(int cpuSlots, Path workDir) {}

  private WorkerNode() {}

  public static Behavior<Void> create(ActorRef<JobManagerCommand> jobManager, Settings settings) {
    return Behaviors.setup(context -> {
      clearScratch(settings.workDir());
      for (int i = 0; i < settings.cpuSlots(); i++) {
        String slot = "cpu-" + i;
        var slotSettings = new WorkerSlot.Settings(slot, settings.workDir().resolve(slot), Duration.ofSeconds(3),
            Duration.ofMinutes(2));
        context.spawn(WorkerSlot.create(jobManager, slotSettings), "slot-" + slot);
      }
      context.getLog().info("Worker node started {} CPU slot(s), scratch in {}", settings.cpuSlots(),
          settings.workDir());
      return Behaviors.empty();
    });
  }

  /** Scratch files of a previous run belong to leases that have long been reassigned. */
  private static void clearScratch(Path dir) {
    try {
      if (Files.exists(dir)) {
        try (Stream<Path> paths = Files.walk(dir)) {
          for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare worker scratch dir " + dir, e);
    }
  }
}

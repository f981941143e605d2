package io.framefarm.coordinator.jobs;

import io.framefarm.pipeline.PipelineSpec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which file on the coordinator has a digest that a worker asks for: only files that the pipeline of a job
 * the job manager holds names are found, so a worker (or anyone who can talk to the cluster) cannot read
 * other files by guessing digests. Rebuilt from the jobs' plans, so it survives a restart or a takeover
 * without being journaled; a job's plan is parsed once.
 */
final class ModelFileIndex {
  /** Job id to the digests of the files its pipeline reads, with their paths. */
  private final Map<String, Map<String, Path>> byJob = new HashMap<>();

  Optional<Path> find(JobBook book, String sha256) {
    Map<String, Map<String, Path>> live = new HashMap<>();
    Path found = null;
    for (Job job : book.jobs()) {
      Map<String, Path> files = byJob.computeIfAbsent(job.id(), id -> filesOf(job));
      live.put(job.id(), files);
      if (found == null) {
        found = files.get(sha256);
      }
    }
    byJob.keySet().retainAll(live.keySet());
    return Optional.ofNullable(found);
  }

  private static Map<String, Path> filesOf(Job job) {
    PipelineSpec spec = PipelineSpec.fromJson(job.pipeline().json());
    Map<String, Path> files = new HashMap<>();
    for (Path file : spec.files()) {
      String digest = spec.fileDigests().get(file.toString());
      if (digest != null) {
        files.put(digest, file);
      }
    }
    return files;
  }
}

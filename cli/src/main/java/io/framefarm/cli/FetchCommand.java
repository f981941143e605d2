package io.framefarm.cli;

import io.framefarm.coordinator.api.JobValidator;
import io.framefarm.coordinator.transfer.TextSidecars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "fetch", mixinStandardHelpOptions = true,
    description = "Download a completed job's output from the coordinator (and its text sidecar, "
        + "OUTPUT.text.json, when its pipeline reads text): for a client that cannot see the coordinator's disk.")
final class FetchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOB", description = "The job's id.")
  String jobId;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTPUT",
      description = "Where the video goes on this machine.")
  Path output;

  @Option(names = "--overwrite", description = "Replace OUTPUT (and its sidecar) if they exist.")
  boolean overwrite;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() {
    fetch(client.client(), jobId, NodeOptions.absolute(output), overwrite);
    return ExitCodes.OK;
  }

  /** Downloads job {@code id}'s output to {@code target}, and its text sidecar beside it when it has one. */
  static void fetch(FarmClient farm, String id, Path target, boolean overwrite) {
    checkTarget(target, overwrite);
    TransferProgress progress = new TransferProgress(System.err, "Fetching " + target.getFileName());
    AtomicLong received = new AtomicLong();
    farm.download(id, false, target, progress::total, n -> {
      received.set(n);
      progress.update(n);
    });
    progress.done(received.get());
    Path sidecar = TextSidecars.sidecarFor(target);
    boolean hasSidecar = farm.download(id, true, sidecar, n -> { }, n -> { });
    System.out.println(id + " fetched -> " + target + (hasSidecar ? " (text sidecar " + sidecar + ")" : ""));
  }

  /**
   * A local output that may be written: never replaces a file (or its sidecar) unless asked, a container the
   * farm writes, in a folder that exists. Checked before anything is sent or fetched.
   */
  static void checkTarget(Path target, boolean overwrite) {
    if (!JobValidator.OUTPUT_EXTENSIONS.contains(extension(target))) {
      throw new IllegalArgumentException("output " + target + ": unsupported container '" + extension(target)
          + "' (use one of " + String.join(", ", JobValidator.OUTPUT_EXTENSIONS.stream().sorted().toList()) + ")");
    }
    if (Files.isDirectory(target)) {
      throw new IllegalArgumentException("output " + target + " is a directory");
    }
    for (Path file : new Path[] {target, TextSidecars.sidecarFor(target)}) {
      if (Files.exists(file) && !overwrite) {
        throw new IllegalArgumentException("output " + file + " already exists (--overwrite replaces it)");
      }
    }
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("output " + target + ": " + dir + " is not a directory");
    }
  }

  static String extension(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}

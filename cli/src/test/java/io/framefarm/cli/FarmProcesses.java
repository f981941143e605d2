package io.framefarm.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Farm nodes as JVM processes of their own, started as a user starts them ({@code io.framefarm.cli.Farm}
 * with this test's classpath), each with its output in a log file. Closing kills what is still running.
 */
final class FarmProcesses implements AutoCloseable {
  private final List<Process> started = new ArrayList<>();

  /**
   * Starts {@code farm ARGS...} with {@code jvmOptions} (such as {@code -Dpekko...} overrides) before the
   * main class.
   */
  Process start(Path log, List<String> jvmOptions, String... args) throws IOException {
    return start(log, jvmOptions, Map.of(), args);
  }

  /** As {@link #start(Path, List, String...)}, with {@code environment} added to the process's environment. */
  Process start(Path log, List<String> jvmOptions, Map<String, String> environment, String... args)
      throws IOException {
    return start(log, farmCommand(jvmOptions, args), environment);
  }

  /**
   * Starts {@code farm ARGS...} as if on another machine that shares nothing with this one: in a mount namespace
   * of its own ({@code unshare -m}, which needs root) where an empty tmpfs lies over each of {@code hidden}. The
   * log's first line says how many entries each hidden folder shows inside, which a test can check.
   */
  Process startElsewhere(Path log, List<Path> hidden, String... args) throws IOException {
    StringBuilder script = new StringBuilder("set -e\n");
    for (Path dir : hidden) {
      String d = dir.toAbsolutePath().normalize().toString();
      script.append("mount -t tmpfs none '").append(d).append("'\n")
          .append("echo \"hidden ").append(d).append(": $(ls -A '").append(d).append("' | wc -l) entries\"\n");
    }
    script.append("exec \"$@\"\n");
    List<String> command = new ArrayList<>(List.of("unshare", "-m", "bash", "-c", script.toString(), "elsewhere"));
    command.addAll(farmCommand(List.of(), args));
    return start(log, command, Map.of());
  }

  private static List<String> farmCommand(List<String> jvmOptions, String... args) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path home = Path.of("..").toAbsolutePath().normalize();
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m", "-Dframefarm.home=" + home));
    command.addAll(jvmOptions);
    command.add("io.framefarm.cli.Farm");
    command.addAll(List.of(args));
    return command;
  }

  private Process start(Path log, List<String> command, Map<String, String> environment) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    // The classpath travels in the environment: ONNX Runtime crashes the JVM when the command line reaches ~4 KB.
    builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("MALLOC_ARENA_MAX", "2");
    builder.environment().putAll(environment);
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = builder.start();
    started.add(process);
    return process;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or said goodbye. */
  static void kill(Process process) throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          kill(p);
        }
      }
    }
  }
}

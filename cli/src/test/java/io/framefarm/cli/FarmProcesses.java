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
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path home = Path.of("..").toAbsolutePath().normalize();
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m", "-Dframefarm.home=" + home));
    command.addAll(jvmOptions);
    command.add("io.framefarm.cli.Farm");
    command.addAll(List.of(args));
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

package io.framefarm.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where this process's CPU time went between two moments: the whole process, each group of Java threads (a thread's
 * name without its trailing number) and the other threads (ONNX Runtime's and FFmpeg's pools, the JVM's garbage
 * collector and JIT compiler, whose time is shown apart).
 */
final class CpuShares {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final long processNanos;
  private final long gcMillis;
  private final long jitMillis;
  private final Map<Long, Long> threadNanos;
  private final Map<Long, String> threadNames;

  private CpuShares(long processNanos, Map<Long, Long> threadNanos, Map<Long, String> threadNames) {
    this.processNanos = processNanos;
    this.gcMillis = ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum();
    this.jitMillis = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    this.threadNanos = threadNanos;
    this.threadNames = threadNames;
  }

  static CpuShares now() {
    Map<Long, Long> cpu = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info != null) {
        long t = THREADS.getThreadCpuTime(info.getThreadId());
        if (t >= 0) {
          cpu.put(info.getThreadId(), t);
          names.put(info.getThreadId(), info.getThreadName().replaceAll("[-#\\d]+$", ""));
        }
      }
    }
    return new CpuShares(processCpuNanos(), cpu, names);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** "process 24.1 s: java main 0.4, pekko.actor.default-dispatcher 1.2, ...; native 20.3" since {@code before}. */
  String since(CpuShares before, int top) {
    Map<String, Long> byGroup = new HashMap<>();
    long java = 0;
    for (var e : threadNanos.entrySet()) {
      long spent = e.getValue() - before.threadNanos.getOrDefault(e.getKey(), 0L);
      java += spent;
      byGroup.merge(threadNames.get(e.getKey()), spent, Long::sum);
    }
    long process = processNanos - before.processNanos;
    String groups = byGroup.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top).map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue() / 1e9))
        .collect(Collectors.joining(", "));
    return String.format(Locale.ROOT, "process %.2f cpu-s: java threads %.2f (%s); other threads %.2f (of which in"
        + " GC pauses %.2f s, JIT compiling %.2f s)", process / 1e9, java / 1e9, groups, (process - java) / 1e9,
        (gcMillis - before.gcMillis) / 1e3, (jitMillis - before.jitMillis) / 1e3);
  }
}

package io.framefarm.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@code MemoryManagerBench} with JMH and prints, per benchmark, the median of all measured
 * iterations (every fork), their range, and the ratio to its plain-Java baseline from the same run:
 * {@code actorXAsk} and {@code actorXPipelined} against {@code plainX}. Medians, because on a shared
 * machine the actor's cross-thread hand-offs make some iterations far slower than others.
 *
 * <p>Arguments are JMH's own (e.g. {@code -f 3 -wi 3 -i 10}).
 */
public final class MemoryManagerJmh {
  public static void main(String[] args) throws Exception {
    var options = new OptionsBuilder().parent(new CommandLineOptions(args))
        .include("io.framefarm.worker.memory.MemoryManagerBench").build();
    Collection<RunResult> results = new Runner(options).run();
    Map<String, double[]> byName = new LinkedHashMap<>();
    for (RunResult run : results) {
      List<Double> scores = new ArrayList<>();
      for (BenchmarkResult fork : run.getBenchmarkResults()) {
        for (IterationResult iteration : fork.getIterationResults()) {
          scores.add(iteration.getPrimaryResult().getScore());
        }
      }
      String name = run.getParams().getBenchmark().replaceAll(".*\\.", "");
      byName.put(name, scores.stream().mapToDouble(Double::doubleValue).sorted().toArray());
    }
    System.out.println();
    System.out.println("| benchmark | iterations | median ops/s | min | max | ratio to plain baseline |");
    System.out.println("|---|---|---|---|---|---|");
    byName.forEach((name, sorted) -> {
      double[] baseline = byName.get(baselineOf(name));
      String ratio = name.startsWith("actor") && baseline != null
          ? String.format("%.3f", median(sorted) / median(baseline)) : "1 (baseline)";
      System.out.printf("| %s | %d | %,.0f | %,.0f | %,.0f | %s |%n", name, sorted.length, median(sorted), sorted[0],
          sorted[sorted.length - 1], ratio);
    });
  }

  private static String baselineOf(String name) {
    return "plain" + name.replaceFirst("^actor", "").replaceFirst("(Ask|Pipelined)$", "");
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}

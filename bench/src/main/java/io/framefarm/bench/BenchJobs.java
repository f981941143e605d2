package io.framefarm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.framefarm.cli.FarmClient;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What the end-to-end harnesses share: one job run to its end, and the median of their runs. */
final class BenchJobs {
  private BenchJobs() {}

  /** Submits the job and polls it until it ends; returns its final status, which must be COMPLETED. */
  static JsonNode run(FarmClient client, Map<String, Object> job) throws InterruptedException {
    return awaitCompleted(client, client.submit(job));
  }

  static JsonNode awaitCompleted(FarmClient client, String id) throws InterruptedException {
    JsonNode status;
    do {
      // The finish time is the coordinator's own stamp: polling more often would only take CPU from the farm (at
      // 20 ms, about 1 cpu-s of HTTP requests and job statuses a minute on both sides).
      Thread.sleep(250);
      status = client.job(id);
    } while (!List.of("COMPLETED", "FAILED", "CANCELLED").contains(status.path("state").asText()));
    if (!status.path("state").asText().equals("COMPLETED")) {
      throw new IllegalStateException("job did not complete: " + status);
    }
    return status;
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static double median(List<Double> values) {
    return median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }
}

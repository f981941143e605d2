package io.framefarm.coordinator.metrics;

import io.framefarm.protocol.MemoryProtocol.DeviceReport;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Every device's latest memory report as Prometheus series, read at scrape time: the cluster memory view
 * writes reports in, a scrape reads the newest of each. The devices' own counters (loads, evictions, leaks,
 * pool hits) are exposed as counters: they only grow, and restart from 0 when a memory manager restarts, which
 * Prometheus' {@code rate()} treats as a counter reset.
 */
public final class DeviceBoard implements MultiCollector {
  private static final List<String> PRESSURES = List.of("NORMAL", "HIGH");

  private final Map<String, DeviceReport> latest = new ConcurrentHashMap<>();
  private volatile Map<String, Integer> busySlots = Map.of();

  public void reported(DeviceReport report) {
    latest.put(report.node() + "/" + report.deviceId(), report);
  }

  /** A node left the cluster: its devices stop being exposed. */
  public void nodeLeft(String address) {
    latest.values().removeIf(r -> r.node().equals(address));
  }

  /** Chunks leased now per node address (one per busy slot). */
  public void busySlots(Map<String, Integer> byNode) {
    busySlots = Map.copyOf(byNode);
  }

  @Override
  public MetricSnapshots collect() {
    List<DeviceReport> reports = new ArrayList<>(latest.values());
    reports.sort(Comparator.comparing(DeviceReport::node).thenComparing(DeviceReport::deviceId));
    List<MetricSnapshot> metrics = new ArrayList<>();
    gauge(metrics, reports, "framefarm_device_memory_used_bytes", "Bytes the device's memory manager has handed out",
        DeviceReport::usedBytes);
    gauge(metrics, reports, "framefarm_device_memory_budget_bytes", "The device's memory budget",
        DeviceReport::budgetBytes);
    gauge(metrics, reports, "framefarm_device_memory_peak_bytes", "Highest used bytes since the manager started",
        DeviceReport::peakBytes);
    gauge(metrics, reports, "framefarm_device_memory_high_watermark_bytes",
        "Above this the manager frees memory at once", DeviceReport::highWatermarkBytes);
    gauge(metrics, reports, "framefarm_device_memory_low_watermark_bytes", "Cleanup frees memory down to this",
        DeviceReport::lowWatermarkBytes);
    gauge(metrics, reports, "framefarm_device_model_bytes", "Bytes held by resident models", DeviceReport::modelBytes);
    gauge(metrics, reports, "framefarm_device_resident_models", "Models resident on the device",
        r -> r.models().size());
    gauge(metrics, reports, "framefarm_device_pool_bytes", "Bytes in the frame buffer pool, idle and leased",
        DeviceReport::poolBytes);
    gauge(metrics, reports, "framefarm_device_pool_leased_bytes", "Pool bytes leased to chunks now",
        DeviceReport::poolLeasedBytes);
    gauge(metrics, reports, "framefarm_device_pool_hit_ratio", "Share of buffer leases served from the pool (0-1)",
        r -> r.poolHits() + r.poolMisses() == 0 ? 0 : (double) r.poolHits() / (r.poolHits() + r.poolMisses()));
    counter(metrics, reports, "framefarm_device_pool_hits", "Buffer leases served from the pool",
        DeviceReport::poolHits);
    counter(metrics, reports, "framefarm_device_pool_misses", "Buffer leases that allocated",
        DeviceReport::poolMisses);
    counter(metrics, reports, "framefarm_device_model_loads", "Models loaded on the device", DeviceReport::loads);
    counter(metrics, reports, "framefarm_device_model_evictions", "Models evicted to make room",
        DeviceReport::evictions);
    counter(metrics, reports, "framefarm_device_memory_leaks", "Leases reclaimed from owners that did not return them",
        DeviceReport::leaks);
    if (!reports.isEmpty()) {
      var pressure = GaugeSnapshot.builder().name("framefarm_device_memory_pressure")
          .help("1 for the device's current memory pressure state, 0 for the others");
      for (DeviceReport r : reports) {
        for (String state : PRESSURES) {
          pressure.dataPoint(GaugeDataPointSnapshot.builder().labels(labels(r).add("state", state.toLowerCase()))
              .value(state.equals(r.pressure()) ? 1 : 0).build());
        }
      }
      metrics.add(pressure.build());
    }
    Map<String, Integer> busy = busySlots;
    var slots = GaugeSnapshot.builder().name("framefarm_node_slots_busy").help("Slots running a chunk, per node");
    java.util.Set<String> nodes = new java.util.TreeSet<>(busy.keySet());
    reports.forEach(r -> nodes.add(r.node()));
    nodes.forEach(node -> slots.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("node", node))
        .value(busy.getOrDefault(node, 0)).build()));
    metrics.add(slots.build());
    metrics.add(GaugeSnapshot.builder().name("framefarm_devices_reporting").help("Devices whose reports arrive")
        .dataPoint(GaugeDataPointSnapshot.builder().value(reports.size()).build()).build());
    return new MetricSnapshots(metrics);
  }

  private static Labels labels(DeviceReport r) {
    return Labels.of("node", r.node(), "device", r.deviceId(), "kind", r.deviceKind().toLowerCase());
  }

  private static void gauge(List<MetricSnapshot> metrics, List<DeviceReport> reports, String name, String help,
      ToDoubleFunction<DeviceReport> value) {
    if (reports.isEmpty()) {
      return;
    }
    var gauge = GaugeSnapshot.builder().name(name).help(help);
    reports.forEach(r -> gauge.dataPoint(GaugeDataPointSnapshot.builder().labels(labels(r))
        .value(value.applyAsDouble(r)).build()));
    metrics.add(gauge.build());
  }

  private static void counter(List<MetricSnapshot> metrics, List<DeviceReport> reports, String name, String help,
      ToDoubleFunction<DeviceReport> value) {
    if (reports.isEmpty()) {
      return;
    }
    var counter = CounterSnapshot.builder().name(name).help(help);
    reports.forEach(r -> counter.dataPoint(CounterDataPointSnapshot.builder().labels(labels(r))
        .value(value.applyAsDouble(r)).build()));
    metrics.add(counter.build());
  }
}

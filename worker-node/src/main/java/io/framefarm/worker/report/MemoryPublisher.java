package io.framefarm.worker.report;

import io.framefarm.protocol.MemoryProtocol;
import io.framefarm.protocol.MemoryProtocol.DeviceEvent;
import io.framefarm.protocol.MemoryProtocol.DeviceReport;
import io.framefarm.protocol.MemoryProtocol.MemoryNotice;
import io.framefarm.protocol.MemoryProtocol.ResidentModel;
import io.framefarm.worker.memory.MemoryEvent;
import io.framefarm.worker.memory.MemoryStats;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Turns this node's memory-manager events into the cluster's memory notices and publishes them on
 * the memory topic. The one place where worker-internal memory records meet the wire protocol.
 */
public final class MemoryPublisher {
  private MemoryPublisher() {}

  /** @param node this node's cluster address; @param kinds device id to its kind (CUDA or HOST) */
  public static Behavior<MemoryEvent> create(String node, Map<String, String> kinds) {
    return Behaviors.setup(context -> {
      ActorRef<Topic.Command<MemoryNotice>> topic = context.spawn(
          Topic.create(MemoryNotice.class, MemoryProtocol.TOPIC), "memory-topic");
      return Behaviors.receiveMessage(event -> {
        topic.tell(Topic.publish(toNotice(node, kinds.getOrDefault(event.deviceId(), "HOST"), event)));
        return Behaviors.same();
      });
    });
  }

  static MemoryNotice toNotice(String node, String kind, MemoryEvent event) {
    long now = System.currentTimeMillis();
    if (event instanceof MemoryEvent.MemoryReported r) {
      return report(node, kind, r.stats());
    } else if (event instanceof MemoryEvent.ModelLoaded e) {
      return new DeviceEvent(node, e.deviceId(), now, "ModelLoaded", e.modelId(), e.bytes(), String.format(
          "loaded %s (%d bytes, estimated %d) in %d ms%s", e.modelId(), e.bytes(), e.estimatedBytes(), e.loadMillis(),
          e.pinned() ? ", pinned" : ""));
    } else if (event instanceof MemoryEvent.ModelEvicted e) {
      return new DeviceEvent(node, e.deviceId(), now, "ModelEvicted", e.modelId(), e.bytes(), String.format(
          "evicted %s (%d bytes%s): %s", e.modelId(), e.bytes(),
          e.reclaimedBytes() < 0 ? "" : ", " + e.reclaimedBytes() + " bytes came back", e.reason()));
    } else if (event instanceof MemoryEvent.MemoryPressure e) {
      return new DeviceEvent(node, e.deviceId(), now, "MemoryPressure", e.pressure().name(), e.usedBytes(),
          String.format("pressure %s: %d of %d bytes used", e.pressure(), e.usedBytes(), e.budgetBytes()));
    } else if (event instanceof MemoryEvent.AllocationRejected e) {
      return new DeviceEvent(node, e.deviceId(), now, "AllocationRejected", e.owner(), e.requestedBytes(),
          e.reason() + (e.retryable() ? " (retryable)" : ""));
    } else if (event instanceof MemoryEvent.LeakDetected e) {
      return new DeviceEvent(node, e.deviceId(), now, "LeakDetected", e.owner(), e.bytes(), String.format(
          "%s leaked %s of %d bytes, held %d ms%s", e.owner(), e.what(), e.bytes(), e.ageMillis(),
          e.takenAt().isEmpty() ? "" : "; taken at " + e.takenAt().lines().findFirst().orElse("")));
    } else if (event instanceof MemoryEvent.LeasesReclaimed e) {
      return new DeviceEvent(node, e.deviceId(), now, "LeasesReclaimed", e.owner(), e.bytes(), String.format(
          "memory manager restarted (restart %d): reclaimed %s of %d bytes from %s", e.restarts(), e.what(), e.bytes(),
          e.owner()));
    }
    throw new IllegalArgumentException("Unknown memory event " + event);
  }

  static DeviceReport report(String node, String kind, MemoryStats s) {
    return new DeviceReport(node, s.deviceId(), kind, s.takenAtEpochMillis(), s.budgetBytes(), s.usedBytes(),
        s.freeBytes(), s.peakBytes(), s.modelBytes(), s.poolBytes(), s.poolLeasedBytes(), s.otherBytes(),
        s.models().stream().map(m -> new ResidentModel(m.modelId(), m.bytes(), m.lastUsedEpochMillis(), m.pins(),
            m.users())).toList(), s.loads(), s.evictions(), s.hits(), s.misses(), s.poolHits(), s.poolMisses(),
        s.leaks(), s.pressure().name(), s.deviceTotalBytes(), s.deviceFreeBytes(),
        s.highWatermarkBytes(), s.lowWatermarkBytes());
  }
}

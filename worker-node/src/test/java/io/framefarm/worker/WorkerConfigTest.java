package io.framefarm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.memory.MemoryConfig;
import io.framefarm.worker.memory.TrackingLevel;
import io.framefarm.worker.slot.SlotTiming;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The worker's timeouts and memory settings come from {@code framefarm.worker} in HOCON. */
class WorkerConfigTest {
  private final Config reference = ConfigFactory.defaultReference().getConfig("framefarm.worker");

  @Test
  void theReferenceDefaultsAreTheOnesTheCodeAlwaysHad() {
    assertThat(SlotTiming.fromConfig(reference)).isEqualTo(new SlotTiming(Duration.ofSeconds(3), Duration.ofSeconds(3),
        Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofMinutes(2), true));
    for (Device.Kind kind : Device.Kind.values()) {
      assertThat(WorkerNode.memoryConfig(kind, reference.getConfig("memory"))).isEqualTo(MemoryConfig.defaults(kind));
    }
  }

  @Test
  void anApplicationConfOverridesThem() {
    Config worker = ConfigFactory.parseString("""
        ack-timeout = 30s
        memory { leak-tracking = full, report-interval = 5s, high-watermark = 0.8, low-watermark = 0.5 }
        """).withFallback(reference);

    MemoryConfig memory = WorkerNode.memoryConfig(Device.Kind.HOST, worker.getConfig("memory"));

    assertThat(SlotTiming.fromConfig(worker).ackTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(memory.trackingLevel()).isEqualTo(TrackingLevel.FULL);
    assertThat(memory.reportInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(memory.highWatermark()).isEqualTo(0.8);
    assertThat(memory.lowWatermark()).isEqualTo(0.5);
  }
}

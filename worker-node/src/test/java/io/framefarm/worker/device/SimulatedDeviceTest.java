package io.framefarm.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimulatedDeviceTest {

  @Test
  void accountsAllocationsAgainstItsBudgetWithoutAllocatingAnything() {
    SimulatedDevice device = new SimulatedDevice(3, 10L << 30, Duration.ofMillis(20));
    DeviceAllocation a = device.allocate(6L << 30); // far beyond any heap or direct memory limit here
    assertThat(device.id()).isEqualTo("sim:3");
    assertThat(device.kind()).isEqualTo(Device.Kind.SIMULATED);
    assertThat(a.hostAddressable()).isFalse();
    assertThatThrownBy(a::buffer).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("sim:3");
    assertThat(device.freeBytes()).isEqualTo(4L << 30);
    assertThatThrownBy(() -> device.allocate(5L << 30)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sim:3").hasMessageContaining("exceed its budget");

    a.close();
    a.close();
    assertThat(device.freeBytes()).isEqualTo(10L << 30);
    device.close();
    assertThatThrownBy(() -> device.allocate(1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}

package io.framefarm.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostDeviceTest {

  @Test
  void allocatesDirectBuffersAgainstItsBudget() {
    try (HostDevice device = new HostDevice(1, 4096)) {
      DeviceAllocation a = device.allocate(1024);
      DeviceAllocation b = device.allocate(2048);

      assertThat(device.id()).isEqualTo("host:1");
      assertThat(device.kind()).isEqualTo(Device.Kind.HOST);
      assertThat(a.buffer().isDirect()).isTrue();
      assertThat(a.buffer().capacity()).isEqualTo(1024);
      assertThat(device.freeBytes()).isEqualTo(1024);
      assertThatThrownBy(() -> device.allocate(2048)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("exceed its budget");

      a.close();
      a.close();
      b.close();
      assertThat(device.allocatedBytes()).isZero();
      assertThatThrownBy(a::buffer).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void refusesAllocationsOnceClosed() {
    HostDevice device = new HostDevice(0, 4096);
    device.close();
    device.close();
    assertThatThrownBy(() -> device.allocate(1)).isInstanceOf(IllegalStateException.class);
    assertThat(device.allocatedBytes()).isZero();
  }
}

package io.framefarm.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.worker.device.FakeCudaDriver.Gpu;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CudaDeviceTest {

  private final FakeCudaDriver driver = FakeCudaDriver.withGpus(new Gpu("GPU A", 8L << 30),
      new Gpu("GPU B", 16L << 30));

  @Test
  void allocatesOnItsOwnGpuFromAnyThread() throws Exception {
    CudaDevice first = CudaDevice.open(driver, 0);
    CudaDevice second = CudaDevice.open(driver, 1);
    var executor = Executors.newFixedThreadPool(2);
    try {
      // The memory manager may run on any dispatcher thread: each call must bind its device's context.
      DeviceAllocation onSecond = CompletableFuture.supplyAsync(() -> second.allocate(1L << 30), executor)
          .get(5, TimeUnit.SECONDS);
      DeviceAllocation onFirst = CompletableFuture.supplyAsync(() -> first.allocate(2L << 30), executor)
          .get(5, TimeUnit.SECONDS);

      assertThat(driver.allocatedBytes(0)).isEqualTo(2L << 30);
      assertThat(driver.allocatedBytes(1)).isEqualTo(1L << 30);
      assertThat(first.freeBytes()).isEqualTo(6L << 30);
      assertThat(second.name()).isEqualTo("GPU B");
      assertThat(second.totalBytes()).isEqualTo(16L << 30);
      assertThat(onFirst.hostAddressable()).isFalse();
      assertThatThrownBy(onFirst::buffer).isInstanceOf(UnsupportedOperationException.class);

      onFirst.close();
      onFirst.close();
      CompletableFuture.runAsync(onSecond::close, executor).get(5, TimeUnit.SECONDS);
      assertThat(driver.allocatedBytes(0)).isZero();
      assertThat(driver.allocatedBytes(1)).isZero();
    } finally {
      executor.shutdownNow();
      first.close();
      second.close();
    }
  }

  @Test
  void reportsDriverOutOfMemoryAsCudaException() {
    try (CudaDevice device = CudaDevice.open(driver, 0)) {
      assertThatThrownBy(() -> device.allocate(9L << 30))
          .isInstanceOfSatisfying(CudaException.class, e -> assertThat(e.result())
              .isEqualTo(CudaDriver.CUDA_ERROR_OUT_OF_MEMORY));
      assertThat(driver.allocatedBytes(0)).isZero();
    }
  }

  @Test
  void releasesItsContextOnceOnClose() {
    CudaDevice device = CudaDevice.open(driver, 1);
    assertThat(driver.retainedContexts(1)).isEqualTo(1);
    device.close();
    device.close();
    assertThat(driver.retainedContexts(1)).isZero();
    assertThatThrownBy(() -> device.allocate(1)).isInstanceOf(IllegalStateException.class);
  }
}

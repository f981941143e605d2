package io.framefarm.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.framefarm.worker.device.FakeCudaDriver.Gpu;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class DevicesTest {

  private static final long HOST_BUDGET = 1L << 30;

  private final ListAppender<ILoggingEvent> logLines = new ListAppender<>();
  private final Logger devicesLog = (Logger) LoggerFactory.getLogger(Devices.class);
  private List<Device> devices = List.of();

  @BeforeEach
  void captureLog() {
    logLines.start();
    devicesLog.addAppender(logLines);
  }

  @AfterEach
  void closeDevices() {
    devicesLog.detachAppender(logLines);
    devices.forEach(Device::close);
  }

  @Test
  void opensEveryGpuForAll() {
    FakeCudaDriver driver = FakeCudaDriver.withGpus(new Gpu("GPU A", 8L << 30), new Gpu("GPU B", 8L << 30));

    devices = Devices.discover("all", HOST_BUDGET, 2, () -> driver);

    assertThat(devices).extracting(Device::id).containsExactly("cuda:0", "cuda:1");
    assertThat(devices).allMatch(d -> d.kind() == Device.Kind.CUDA);
  }

  @Test
  void opensOnlyTheSelectedGpus() {
    FakeCudaDriver driver = FakeCudaDriver.withGpus(new Gpu("A", 1L << 30), new Gpu("B", 1L << 30),
        new Gpu("C", 1L << 30));

    devices = Devices.discover("0,2", HOST_BUDGET, 1, () -> driver);

    assertThat(devices).extracting(Device::id).containsExactly("cuda:0", "cuda:2");
    assertThat(driver.retainedContexts(1)).isZero();
  }

  @Test
  void refusesAGpuTheNodeDoesNotHave() {
    FakeCudaDriver driver = FakeCudaDriver.withGpus(new Gpu("A", 1L << 30), new Gpu("B", 1L << 30));

    assertThatThrownBy(() -> Devices.discover("0,2", HOST_BUDGET, 1, () -> driver))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GPU 2").hasMessageContaining("has 2");
    assertThat(driver.retainedContexts(0)).isZero();
  }

  @Test
  void skipsAGpuThatCannotBeOpened() {
    FakeCudaDriver driver = FakeCudaDriver.withGpus(new Gpu("A", 1L << 30), new Gpu("B", 1L << 30)).failingToOpen(0);

    devices = Devices.discover("all", HOST_BUDGET, 1, () -> driver);

    assertThat(devices).extracting(Device::id).containsExactly("cuda:1");
  }

  @Test
  void runsHostSlotsWithOneLogLineWithoutADriver() {
    // Shaped like JCuda's: both load attempts with their stack traces, libcuda named deep inside.
    Supplier<CudaDriver> noDriver = () -> new FakeCudaDriver.Missing(new UnsatisfiedLinkError(
        "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
            + "---(start of nested stack traces)---\n"
            + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open"
            + " shared object file: No such file or directory\n"
            + "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2434)"));

    devices = Devices.discover("all", HOST_BUDGET, 3, noDriver);

    assertHostSlots(3);
    assertThat(logLines.list).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
        .contains("No CUDA driver").contains("libcuda.so.1").contains("3 host slot(s) of 1.0 GiB")
        .doesNotContain("\n"));
  }

  @Test
  void runsHostSlotsWhenTheDriverClassFailedToLoadBefore() {
    devices = Devices.discover("all", HOST_BUDGET, 1,
        () -> new FakeCudaDriver.Missing(new NoClassDefFoundError("jcuda/driver/JCudaDriver")));

    assertHostSlots(1);
    assertThat(logLines.list).hasSize(1);
  }

  @Test
  void runsHostSlotsWithOneLogLineWithoutAGpu() {
    devices = Devices.discover("all", HOST_BUDGET, 2, FakeCudaDriver::withoutGpu);

    assertHostSlots(2);
    assertThat(logLines.list).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
        .contains("No GPU usable").contains("CUDA_ERROR_NO_DEVICE"));
  }

  @Test
  void leavesTheDriverAloneForNone() {
    devices = Devices.discover("none", HOST_BUDGET, 2, () -> {
      throw new AssertionError("--gpus none must not touch the driver");
    });

    assertHostSlots(2);
    assertThat(logLines.list).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
        .contains("--gpus none"));
  }

  @Test
  void fallsBackToHostSlotsThroughRealJCudaWhenThisMachineHasNoGpu() {
    // Through the real binding twice: the first call fails to link libcuda, the second finds the class broken.
    // On a machine with a GPU this opens it instead; either way discovery must not throw.
    for (int attempt = 0; attempt < 2; attempt++) {
      logLines.list.clear();
      List<Device> found = Devices.discover("all", HOST_BUDGET, 1);
      try {
        assertThat(found).isNotEmpty();
        assertThat(found).extracting(Device::kind).containsOnly(found.get(0).kind());
        if (found.get(0).kind() == Device.Kind.HOST) {
          assertThat(logLines.list).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
              .startsWith("No CUDA driver").doesNotContain("\n"));
        }
      } finally {
        found.forEach(Device::close);
      }
    }
  }

  @Test
  void rejectsMalformedSelections() {
    for (String bad : List.of("gpu0", "0,,1", "-1", "", "0;1")) {
      assertThatThrownBy(() -> Devices.discover(bad, HOST_BUDGET, 1, FakeCudaDriver::withoutGpu))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> Devices.discover("none", HOST_BUDGET, 0, FakeCudaDriver::withoutGpu))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--cpu-slots");
  }

  @Test
  void defaultHostBudgetSharesHalfTheMachine() {
    assertThat(Devices.defaultHostBudget(2)).isPositive().isLessThan(Devices.defaultHostBudget(1));
  }

  private void assertHostSlots(int slots) {
    assertThat(devices).hasSize(slots).allMatch(d -> d.kind() == Device.Kind.HOST && d.totalBytes() == HOST_BUDGET);
    assertThat(devices.get(slots - 1).id()).isEqualTo("host:" + (slots - 1));
  }
}

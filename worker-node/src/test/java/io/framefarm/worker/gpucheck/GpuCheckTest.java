package io.framefarm.worker.gpucheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.worker.device.FakeCudaDriver;
import io.framefarm.worker.device.FakeCudaDriver.Gpu;
import io.framefarm.worker.gpucheck.CheckTable.Row;
import io.framefarm.worker.gpucheck.CheckTable.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole GPU check, every step and the table, against the fake CUDA driver: the code the GPU run runs. */
@ExtendWith(LogCapturingExtension.class)
class GpuCheckTest {

  private static final CheckOptions SHORT = CheckOptions.defaults().withCounts(2_000, 60, 100);

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  @Test
  void passesEveryRowOnAGpuThatKeepsItsBooks() {
    FakeCudaDriver driver = FakeGpuCheck.realisticDriver();

    CheckTable table = GpuCheck.run(driver, SHORT, out);

    assertThat(table.failures()).isEmpty();
    assertThat(table.passed()).isTrue();
    assertThat(table.rows()).extracting(Row::step).contains("discover devices", "baseline", "reserve 25u",
        "lease 8 x 2u buffers", "model d 30u under pressure", "model e 30u under pressure",
        "2000 lease/return cycles", "no drift over 2000 cycles", "60 evictions", "evictions freed device memory",
        "no leaks, nothing held", "stopped: back to the start");
    assertThat(table.rows()).filteredOn(r -> r.status() == Status.INFO).extracting(Row::step)
        .containsExactly("timing: lease 2 x 160.0 MiB", "timing: model 2.0 GiB");
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Fake H200 (FakeCudaDriver)", "RESULT: PASS");
    // The check released what it retained and freed all it allocated: only the context's own memory is left.
    assertThat(driver.retainedContexts(0)).isZero();
    assertThat(driver.allocatedBytes(0)).isEqualTo((500L + 4) << 20);
  }

  @Test
  void exitsZeroFromTheCommandLineWithCountsAsOptions() {
    int status = GpuCheck.run(FakeGpuCheck.realisticDriver(), new String[] {"--lease-cycles", "500",
        "--evictions", "20", "--timing-samples", "50", "--budget", "2GiB"}, out);

    assertThat(status).isZero();
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("budget 2.0 GiB", "500 lease/return cycles");
  }

  @Test
  void failsWhenFreedMemoryDoesNotComeBack() {
    CheckTable table = GpuCheck.run(FakeGpuCheck.realisticDriver().leakingEveryNthFree(10), SHORT, out);

    assertThat(table.passed()).isFalse();
    assertThat(table.failures()).extracting(Row::step).contains("60 evictions", "back to the level after evictions",
        "evictions freed device memory", "stopped: back to the start");
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("RESULT: FAIL");
  }

  @Test
  void failsWhenTheDeviceTakesMoreThanTheBooksSay() {
    CheckTable table = GpuCheck.run(FakeGpuCheck.realisticDriver().overchargingBy(1.1), SHORT, out);

    // 10% more than 16u of buffers is still within 2% of the budget; 10% more than 71u is not.
    assertThat(table.failures()).extracting(Row::step).doesNotContain("lease 8 x 2u buffers")
        .contains("models a, b, c (15u each)", "model d 30u under pressure", "60 evictions");
  }

  @Test
  void failsWithoutAGpu() {
    int status = GpuCheck.run(FakeCudaDriver.withoutGpu(), new String[0], out);

    assertThat(status).isEqualTo(1);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("check ran to the end", "CUDA_ERROR_NO_DEVICE");
  }

  @Test
  void namesWhatTheLinkerMissedWithoutLibcuda() {
    var missing = new FakeCudaDriver.Missing(new UnsatisfiedLinkError(
        "Error while loading native library \"JCudaDriver\"\n"
        + "Stack trace from the attempt to load the library as a resource:\n"
        + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver.so: libcuda.so.1: cannot open shared object file\n"));

    assertThat(GpuCheck.run(missing, new String[0], out)).isEqualTo(1);
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("UnsatisfiedLinkError: java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver.so: libcuda.so.1");
  }

  @Test
  void rejectsUnknownOptions() {
    assertThat(GpuCheck.run(FakeCudaDriver.withGpus(new Gpu("GPU", 1L << 30)), new String[] {"--bogus", "1"}, out))
        .isEqualTo(2);
  }
}

package io.framefarm.worker.device;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the devices a worker node runs on: the selected GPUs, or host slots when there are none. */
public final class Devices {

  private static final Logger log = LoggerFactory.getLogger(Devices.class);

  private Devices() {}

  /** {@link #discover(String, long, int, Supplier)} with JCuda's driver. */
  public static List<Device> discover(String gpus, long hostBudgetBytes, int cpuSlots) {
    return discover(gpus, hostBudgetBytes, cpuSlots, JCudaDriverBinding::new);
  }

  /**
   * Opens the GPUs that {@code gpus} selects ({@code all}, {@code none} or ordinals such as {@code 0,2}).
   * Without a CUDA driver, without a GPU, or with {@code none}, says so in one log line and returns
   * {@code cpuSlots} host slots of {@code hostBudgetBytes} each; host slots are not added beside GPUs.
   *
   * @throws IllegalArgumentException for a malformed selection, or an ordinal the node does not have
   */
  public static List<Device> discover(String gpus, long hostBudgetBytes, int cpuSlots,
      Supplier<? extends CudaDriver> driverSupplier) {
    Selection selection = Selection.parse(gpus);
    if (cpuSlots < 1) {
      throw new IllegalArgumentException("--cpu-slots must be at least 1, was " + cpuSlots);
    }
    String hostSlots = cpuSlots + " host slot(s) of " + MemorySize.format(hostBudgetBytes);
    if (selection.none()) {
      log.info("GPUs not used (--gpus none); running {}", hostSlots);
      return hostSlots(hostBudgetBytes, cpuSlots);
    }
    CudaDriver driver;
    int count;
    try {
      driver = driverSupplier.get();
      driver.init();
      count = driver.deviceCount();
    } catch (CudaException e) {
      log.info("No GPU usable ({}); running {}", e.getMessage(), hostSlots);
      return hostSlots(hostBudgetBytes, cpuSlots);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      // UnsatisfiedLinkError on libcuda.so.1 the first time, NoClassDefFoundError after: no driver here.
      log.info("No CUDA driver ({}); running {}", oneLine(e), hostSlots);
      return hostSlots(hostBudgetBytes, cpuSlots);
    }
    if (count == 0) {
      log.info("CUDA driver found but no GPU; running {}", hostSlots);
      return hostSlots(hostBudgetBytes, cpuSlots);
    }
    List<Device> devices = new ArrayList<>();
    for (int ordinal : selection.ordinals(count)) {
      try {
        CudaDevice device = CudaDevice.open(driver, ordinal);
        log.info("Using {} {} ({})", device.id(), device.name(), MemorySize.format(device.totalBytes()));
        devices.add(device);
      } catch (CudaException e) {
        log.warn("Skipping cuda:{}: {}", ordinal, e.getMessage());
      }
    }
    if (devices.isEmpty()) {
      log.info("No selected GPU could be opened; running {}", hostSlots);
      return hostSlots(hostBudgetBytes, cpuSlots);
    }
    return List.copyOf(devices);
  }

  /**
   * {@code count} simulated devices of {@code budgetBytes} each, each frame holding one for {@code frameTime}: for
   * capacity planning, instead of the node's GPUs or host slots.
   */
  public static List<Device> simulated(int count, long budgetBytes, Duration frameTime) {
    if (count < 1) {
      throw new IllegalArgumentException("simulated devices must be at least 1, was " + count);
    }
    log.info("Running {} simulated device(s) of {}, {} ms per frame (no GPU or host slot is used)", count,
        MemorySize.format(budgetBytes), frameTime.toMillis());
    List<Device> devices = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      devices.add(new SimulatedDevice(i, budgetBytes, frameTime));
    }
    return List.copyOf(devices);
  }

  /** Half the machine's physical memory shared by the slots: the rest is the JVM, decoders and the OS. */
  public static long defaultHostBudget(int cpuSlots) {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return Math.max(1, os.getTotalMemorySize() / 2 / Math.max(1, cpuSlots));
  }

  // JCuda's UnsatisfiedLinkError carries both load attempts' stack traces; the line naming libcuda says it all.
  private static String oneLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    return message.lines().filter(line -> line.contains("libcuda")).findFirst()
        .orElse(e.getClass().getName() + ": " + message.lines().findFirst().orElse("")).trim();
  }

  private static List<Device> hostSlots(long budgetBytes, int slots) {
    List<Device> devices = new ArrayList<>(slots);
    for (int slot = 0; slot < slots; slot++) {
      devices.add(new HostDevice(slot, budgetBytes));
    }
    return List.copyOf(devices);
  }

  /** A parsed {@code --gpus} value; ordinals empty means all. */
  private record Selection(boolean none, TreeSet<Integer> ordinals) {

    static Selection parse(String text) {
      String spec = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
      if (spec.equals("all")) {
        return new Selection(false, new TreeSet<>());
      }
      if (spec.equals("none")) {
        return new Selection(true, new TreeSet<>());
      }
      TreeSet<Integer> ordinals = new TreeSet<>();
      for (String part : spec.split(",", -1)) {
        try {
          int ordinal = Integer.parseInt(part.trim());
          if (ordinal < 0) {
            throw new NumberFormatException();
          }
          ordinals.add(ordinal);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--gpus '" + text
              + "' is not all, none or a list of GPU numbers such as 0,2");
        }
      }
      return new Selection(false, ordinals);
    }

    List<Integer> ordinals(int count) {
      if (ordinals.isEmpty()) {
        List<Integer> all = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          all.add(i);
        }
        return all;
      }
      if (ordinals.last() >= count) {
        throw new IllegalArgumentException("--gpus asks for GPU " + ordinals.last() + " but this node has " + count
            + " (0-" + (count - 1) + ")");
      }
      return List.copyOf(ordinals);
    }
  }
}

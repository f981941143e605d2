package io.framefarm.worker.device;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CUDA driver with GPUs made of numbers. Contexts are current per thread, as in CUDA, so a
 * device that forgets to bind its context before a call is caught. {@code cuMemGetInfo} reports
 * what the allocations took; by default exactly their sizes, and optionally as a real driver does
 * (a granularity, a primary context's own memory, memory kept after the first allocation) or as a
 * broken one would (frees that keep their memory, allocations that take more than asked).
 */
public final class FakeCudaDriver implements CudaDriver {

  public record Gpu(String name, long totalBytes) {}

  private final List<Gpu> gpus;
  private final int initResult;
  private final long[] allocatedByGpu;
  private final Map<Long, Integer> contextGpu = new HashMap<>();
  private final Map<Long, long[]> pointers = new HashMap<>(); // handle -> {gpu, bytes}
  private final ThreadLocal<Long> current = new ThreadLocal<>();
  private final List<Integer> unopenable = new ArrayList<>();
  private final int[] retained;
  private final boolean[] contextCreated;
  private final boolean[] touched;
  private long nextHandle = 1;
  private long granularity = 1;
  private long contextOverhead;
  private long firstUseOverhead;
  private double overcharge = 1.0;
  private int leakEveryNthFree;
  private long frees;

  private FakeCudaDriver(int initResult, List<Gpu> gpus) {
    this.initResult = initResult;
    this.gpus = List.copyOf(gpus);
    this.allocatedByGpu = new long[gpus.size()];
    this.retained = new int[gpus.size()];
    this.contextCreated = new boolean[gpus.size()];
    this.touched = new boolean[gpus.size()];
  }

  public static FakeCudaDriver withGpus(Gpu... gpus) {
    return new FakeCudaDriver(CUDA_SUCCESS, List.of(gpus));
  }

  /** A driver whose {@code cuInit} reports {@code CUDA_ERROR_NO_DEVICE}, as on a machine with a driver but no GPU. */
  public static FakeCudaDriver withoutGpu() {
    return new FakeCudaDriver(CUDA_ERROR_NO_DEVICE, List.of());
  }

  /** Makes retaining {@code ordinal}'s context fail, as for a GPU another process holds exclusively. */
  public synchronized FakeCudaDriver failingToOpen(int ordinal) {
    unopenable.add(ordinal);
    return this;
  }

  /** Rounds every allocation up to a multiple of {@code bytes}, as the driver's pages do (2 MiB on large ones). */
  public synchronized FakeCudaDriver withGranularity(long bytes) {
    granularity = bytes;
    return this;
  }

  /**
   * Takes {@code contextBytes} when a GPU's primary context is first retained, and {@code firstUseBytes} more
   * at its first allocation, kept for good, as a real driver's context and lazily created heaps are.
   */
  public synchronized FakeCudaDriver withOverheads(long contextBytes, long firstUseBytes) {
    contextOverhead = contextBytes;
    firstUseOverhead = firstUseBytes;
    return this;
  }

  /** A broken driver: every {@code n}th {@code cuMemFree} succeeds but keeps the memory. */
  public synchronized FakeCudaDriver leakingEveryNthFree(int n) {
    leakEveryNthFree = n;
    return this;
  }

  /** A driver whose allocations take {@code factor} times what was asked, so the caller's books fall short. */
  public synchronized FakeCudaDriver overchargingBy(double factor) {
    overcharge = factor;
    return this;
  }

  @Override
  public void init() {
    if (initResult != CUDA_SUCCESS) {
      throw new CudaException("cuInit", initResult, "CUDA_ERROR_NO_DEVICE");
    }
  }

  @Override
  public int deviceCount() {
    return gpus.size();
  }

  @Override
  public String deviceName(int ordinal) {
    return gpus.get(ordinal).name();
  }

  @Override
  public long deviceTotalBytes(int ordinal) {
    return gpus.get(ordinal).totalBytes();
  }

  @Override
  public synchronized long retainContext(int ordinal) {
    if (unopenable.contains(ordinal)) {
      throw new CudaException("cuDevicePrimaryCtxRetain", 999, "CUDA_ERROR_UNKNOWN");
    }
    long handle = nextHandle++;
    contextGpu.put(handle, ordinal);
    retained[ordinal]++;
    if (!contextCreated[ordinal]) {
      contextCreated[ordinal] = true;
      allocatedByGpu[ordinal] += contextOverhead; // kept until the process ends, here
    }
    return handle;
  }

  @Override
  public synchronized void setCurrentContext(long context) {
    if (!contextGpu.containsKey(context)) {
      throw new CudaException("cuCtxSetCurrent", 201, "CUDA_ERROR_INVALID_CONTEXT");
    }
    current.set(context);
  }

  @Override
  public synchronized void releaseContext(int ordinal) {
    retained[ordinal]--;
  }

  @Override
  public synchronized MemoryInfo memoryInfo() {
    int gpu = currentGpu("cuMemGetInfo");
    return new MemoryInfo(gpus.get(gpu).totalBytes() - allocatedByGpu[gpu], gpus.get(gpu).totalBytes());
  }

  @Override
  public synchronized long allocate(long bytes) {
    int gpu = currentGpu("cuMemAlloc");
    long charged = (long) Math.ceil(bytes * overcharge);
    long taken = (charged + granularity - 1) / granularity * granularity;
    long extra = touched[gpu] ? 0 : firstUseOverhead;
    if (taken + extra > gpus.get(gpu).totalBytes() - allocatedByGpu[gpu]) {
      throw new CudaException("cuMemAlloc", CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY");
    }
    touched[gpu] = true;
    allocatedByGpu[gpu] += taken + extra;
    long handle = nextHandle++;
    pointers.put(handle, new long[] {gpu, taken});
    return handle;
  }

  @Override
  public synchronized void free(long pointer) {
    long[] allocation = pointers.remove(pointer);
    if (allocation == null) {
      throw new CudaException("cuMemFree", 1, "CUDA_ERROR_INVALID_VALUE");
    }
    frees++;
    if (leakEveryNthFree > 0 && frees % leakEveryNthFree == 0) {
      return;
    }
    allocatedByGpu[(int) allocation[0]] -= allocation[1];
  }

  public synchronized long allocatedBytes(int ordinal) {
    return allocatedByGpu[ordinal];
  }

  public synchronized int retainedContexts(int ordinal) {
    return retained[ordinal];
  }

  private int currentGpu(String call) {
    Long context = current.get();
    if (context == null) {
      throw new CudaException(call, 201, "CUDA_ERROR_INVALID_CONTEXT (none current on this thread)");
    }
    return contextGpu.get(context);
  }

  /** A driver whose every call fails the way JCuda does without libcuda.so.1. */
  public static final class Missing implements CudaDriver {
    private final Error error;

    public Missing(Error error) {
      this.error = error;
    }

    @Override
    public void init() {
      throw error;
    }

    @Override
    public int deviceCount() {
      throw error;
    }

    @Override
    public String deviceName(int ordinal) {
      throw error;
    }

    @Override
    public long deviceTotalBytes(int ordinal) {
      throw error;
    }

    @Override
    public long retainContext(int ordinal) {
      throw error;
    }

    @Override
    public void setCurrentContext(long context) {
      throw error;
    }

    @Override
    public void releaseContext(int ordinal) {
      throw error;
    }

    @Override
    public MemoryInfo memoryInfo() {
      throw error;
    }

    @Override
    public long allocate(long bytes) {
      throw error;
    }

    @Override
    public void free(long pointer) {
      throw error;
    }
  }
}

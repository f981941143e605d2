package io.framefarm.worker.device;

/**
 * The few CUDA driver API calls the farm makes, behind an interface so that tests run the CUDA
 * path against a fake on machines without a GPU or libcuda.
 *
 * <p>Handles are plain longs so a fake needs no JCuda types. Every call throws {@link CudaException}
 * on a result other than {@code CUDA_SUCCESS}. Calls that work on memory use the calling thread's
 * current context: bind one with {@link #setCurrentContext} first.
 */
public interface CudaDriver {

  /** {@code CUresult} codes the farm reacts to (values from cuda.h). */
  int CUDA_SUCCESS = 0;
  int CUDA_ERROR_OUT_OF_MEMORY = 2;
  int CUDA_ERROR_NO_DEVICE = 100;

  /** {@code cuInit(0)}. Without libcuda the real driver throws {@link UnsatisfiedLinkError} here. */
  void init();

  /** {@code cuDeviceGetCount}. */
  int deviceCount();

  /** {@code cuDeviceGetName}. */
  String deviceName(int ordinal);

  /** {@code cuDeviceTotalMem}. */
  long deviceTotalBytes(int ordinal);

  /** Retains the device's primary context ({@code cuDevicePrimaryCtxRetain}) and returns its handle. */
  long retainContext(int ordinal);

  /** {@code cuCtxSetCurrent}. */
  void setCurrentContext(long context);

  /** Releases what {@link #retainContext} retained ({@code cuDevicePrimaryCtxRelease}). */
  void releaseContext(int ordinal);

  /** {@code cuMemGetInfo} for the current context's device. */
  MemoryInfo memoryInfo();

  /** {@code cuMemAlloc}; returns a handle for {@link #free}. */
  long allocate(long bytes);

  /** {@code cuMemFree}. */
  void free(long pointer);

  record MemoryInfo(long freeBytes, long totalBytes) {}
}

package io.framefarm.worker.device;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * {@link CudaDriver} over JCuda's driver API.
 *
 * <p>JCuda hands out objects for contexts and pointers; this keeps them in maps behind long handles
 * so the interface stays free of JCuda types. Without libcuda.so.1 the first call into
 * {@link JCudaDriver} throws {@link UnsatisfiedLinkError} and later ones {@link NoClassDefFoundError};
 * {@link Devices#discover} catches that once.
 */
public final class JCudaDriverBinding implements CudaDriver {

  private final Map<Long, CUcontext> contexts = new HashMap<>();
  private final Map<Long, CUdeviceptr> pointers = new HashMap<>();
  private long nextHandle = 1;

  @Override
  public void init() {
    JCudaDriver.setExceptionsEnabled(false);
    check("cuInit", JCudaDriver.cuInit(0));
  }

  @Override
  public int deviceCount() {
    int[] count = new int[1];
    check("cuDeviceGetCount", JCudaDriver.cuDeviceGetCount(count));
    return count[0];
  }

  @Override
  public String deviceName(int ordinal) {
    byte[] name = new byte[256];
    check("cuDeviceGetName", JCudaDriver.cuDeviceGetName(name, name.length, device(ordinal)));
    int end = 0;
    while (end < name.length && name[end] != 0) {
      end++;
    }
    return new String(name, 0, end, StandardCharsets.US_ASCII);
  }

  @Override
  public long deviceTotalBytes(int ordinal) {
    long[] total = new long[1];
    check("cuDeviceTotalMem", JCudaDriver.cuDeviceTotalMem(total, device(ordinal)));
    return total[0];
  }

  @Override
  public synchronized long retainContext(int ordinal) {
    CUcontext context = new CUcontext();
    check("cuDevicePrimaryCtxRetain", JCudaDriver.cuDevicePrimaryCtxRetain(context, device(ordinal)));
    long handle = nextHandle++;
    contexts.put(handle, context);
    return handle;
  }

  @Override
  public synchronized void setCurrentContext(long context) {
    check("cuCtxSetCurrent", JCudaDriver.cuCtxSetCurrent(known(contexts, context, "context")));
  }

  @Override
  public void releaseContext(int ordinal) {
    check("cuDevicePrimaryCtxRelease", JCudaDriver.cuDevicePrimaryCtxRelease(device(ordinal)));
  }

  @Override
  public MemoryInfo memoryInfo() {
    long[] free = new long[1];
    long[] total = new long[1];
    check("cuMemGetInfo", JCudaDriver.cuMemGetInfo(free, total));
    return new MemoryInfo(free[0], total[0]);
  }

  @Override
  public synchronized long allocate(long bytes) {
    CUdeviceptr pointer = new CUdeviceptr();
    check("cuMemAlloc", JCudaDriver.cuMemAlloc(pointer, bytes));
    long handle = nextHandle++;
    pointers.put(handle, pointer);
    return handle;
  }

  @Override
  public synchronized void free(long pointer) {
    check("cuMemFree", JCudaDriver.cuMemFree(known(pointers, pointer, "pointer")));
    pointers.remove(pointer);
  }

  private static CUdevice device(int ordinal) {
    CUdevice device = new CUdevice();
    check("cuDeviceGet", JCudaDriver.cuDeviceGet(device, ordinal));
    return device;
  }

  private static <T> T known(Map<Long, T> handles, long handle, String what) {
    T value = handles.get(handle);
    if (value == null) {
      throw new IllegalArgumentException("unknown CUDA " + what + " handle " + handle);
    }
    return value;
  }

  private static void check(String call, int result) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new CudaException(call, result, CUresult.stringFor(result));
    }
  }
}

package io.framefarm.worker.device;

/** A CUDA driver call that returned something other than {@code CUDA_SUCCESS}. */
public final class CudaException extends RuntimeException {

  private final int result;

  public CudaException(String call, int result, String resultName) {
    super(call + " failed: " + resultName + " (" + result + ")");
    this.result = result;
  }

  /** The driver's {@code CUresult} code. */
  public int result() {
    return result;
  }
}

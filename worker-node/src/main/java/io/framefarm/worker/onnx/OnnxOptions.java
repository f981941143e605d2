package io.framefarm.worker.onnx;

/**
 * How a device's models run in ONNX Runtime.
 *
 * @param cudaDevice the GPU ordinal for {@link Provider#CUDA}, ignored on the CPU
 * @param intraOpThreads threads per session run, 0 for ONNX Runtime's default (one per physical core);
 *     set it when several host slots share a machine, so that they do not oversubscribe its cores
 */
public record OnnxOptions(Provider provider, int cudaDevice, int intraOpThreads) {

  public enum Provider { CPU, CUDA }

  public OnnxOptions {
    if (provider == null) {
      throw new IllegalArgumentException("provider must not be null");
    }
    if (cudaDevice < 0 || intraOpThreads < 0) {
      throw new IllegalArgumentException("cudaDevice and intraOpThreads must be >= 0, were " + cudaDevice + " and "
          + intraOpThreads);
    }
  }

  public static OnnxOptions cpu(int intraOpThreads) {
    return new OnnxOptions(Provider.CPU, 0, intraOpThreads);
  }

  public static OnnxOptions cuda(int device) {
    return new OnnxOptions(Provider.CUDA, device, 0);
  }
}

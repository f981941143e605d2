package io.framefarm.worker.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import io.framefarm.pipeline.ModelMemoryEstimate;
import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineSpec;
import io.framefarm.worker.device.CudaDevice;
import io.framefarm.worker.device.Device;
import io.framefarm.worker.memory.LoadedModel;
import io.framefarm.worker.memory.ModelLoader;
import io.framefarm.worker.memory.ModelSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads ONNX models for one device, each into its own session with its own options.
 *
 * <p>Memory: where {@code freeBytes} is given (a GPU: {@code cuMemGetInfo} through the device), a
 * model's bytes are measured as the device's free memory before the load minus after the load and
 * one warm-up run at the pipeline's input size, so the CUDA arena's peak for that input is counted.
 * Elsewhere (host slots, where the JVM, decoders and other sessions share the process's memory and
 * nothing isolates one session's share) a model's bytes are its estimate ({@link ModelMemoryEstimate}).
 * Each measurement corrects later estimates: a model measured before is expected to take what it
 * took, and models never measured get the formula scaled by the ratio of measured to estimated bytes
 * seen so far on this device.
 *
 * <p>On CUDA the arena is capped at the memory manager's grant ({@code gpu_mem_limit}), grows by what
 * is requested ({@code kSameAsRequested}) rather than doubling, weights bypass it
 * ({@code session.use_device_allocator_for_initializers}), and every run shrinks it back
 * ({@code memory.enable_memory_arena_shrinkage}), so an evicted or idle model does not keep its peak.
 */
public final class OnnxModelLoader implements ModelLoader {

  private static final Logger log = LoggerFactory.getLogger(OnnxModelLoader.class);

  private final OnnxOptions options;
  private final LongSupplier freeBytes;
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  // Guarded by this: modelSpec() runs on chunk threads, load() on the memory manager's.
  // Keyed by model path: ids are only unique within one pipeline.
  private final Map<String, int[]> inputSizes = new HashMap<>();
  private final Map<String, Long> formulaBytes = new HashMap<>();
  private final Map<String, Long> formulaCache = new HashMap<>();
  private final Map<String, Long> measured = new HashMap<>();
  private double measuredSum;
  private double estimatedSum;

  /** @param freeBytes the device's free memory, to measure loads; null to estimate them */
  public OnnxModelLoader(OnnxOptions options, LongSupplier freeBytes) {
    this.options = Objects.requireNonNull(options, "options");
    this.freeBytes = freeBytes;
  }

  /** The CUDA provider on a GPU (measured), the CPU provider on a host slot (estimated). */
  public static OnnxModelLoader forDevice(Device device, int intraOpThreads) {
    if (device instanceof CudaDevice gpu) {
      return new OnnxModelLoader(OnnxOptions.cuda(gpu.ordinal()), gpu::freeBytes);
    }
    return new OnnxModelLoader(OnnxOptions.cpu(intraOpThreads), null);
  }

  public OnnxOptions options() {
    return options;
  }

  /** The memory manager's view of a pipeline model, with the estimate corrected by what this device measured. */
  public synchronized ModelSpec modelSpec(PipelineModel model) {
    String key = key(model.path());
    inputSizes.put(key, new int[] {model.inputWidth(), model.inputHeight()});
    Long known = measured.get(key);
    // Parsing a model to count its weights takes a while for large ones; a chunk asks for its models every time.
    long formula = model.estimatedBytes() > 0 ? model.estimatedBytes()
        : formulaCache.computeIfAbsent(key + "@" + model.inputWidth() + "x" + model.inputHeight(),
            k -> ModelMemoryEstimate.of(model));
    formulaBytes.put(key, formula);
    long bytes = known != null ? known : Math.max(1, Math.round(formula * correction()));
    // By key, not id: ids are only unique within a pipeline, and the device's models are shared by every pipeline.
    return new ModelSpec(model.key(), model.path(), bytes, model.primary());
  }

  public List<ModelSpec> modelSpecs(PipelineSpec spec) {
    return spec.models().stream().map(this::modelSpec).toList();
  }

  /** Measured over estimated bytes of the loads measured so far; 1 before the first. */
  public synchronized double correction() {
    return estimatedSum > 0 ? measuredSum / estimatedSum : 1.0;
  }

  @Override
  public LoadedModel load(ModelSpec spec) throws OrtException {
    long before = freeBytes == null ? 0 : freeBytes.getAsLong();
    OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
    OrtSession.RunOptions runOptions = null;
    OrtSession session = null;
    try {
      sessionOptions.setOptimizationLevel(OptLevel.ALL_OPT);
      if (options.intraOpThreads() > 0) {
        sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
      }
      if (options.provider() == OnnxOptions.Provider.CUDA) {
        addCuda(sessionOptions, spec);
        runOptions = new OrtSession.RunOptions();
        runOptions.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "gpu:" + options.cudaDevice());
      }
      session = env.createSession(spec.path().toString(), sessionOptions);
      long bytes = spec.estimatedBytes();
      if (freeBytes != null) {
        warmUp(spec, session); // without the shrinking run options: the arena keeps the peak until measured
        long used = before - freeBytes.getAsLong();
        if (used > 0) {
          record(spec, used);
          bytes = used;
        } else {
          log.warn("Measuring {} gave {} bytes (another process freed memory meanwhile?); using its estimate {}",
              spec.id(), used, spec.estimatedBytes());
        }
      }
      return new OnnxModel(spec, session, sessionOptions, runOptions, bytes);
    } catch (OrtException | RuntimeException e) {
      closeAfterFailure(session, sessionOptions, runOptions);
      throw e;
    }
  }

  private void addCuda(OrtSession.SessionOptions sessionOptions, ModelSpec spec) throws OrtException {
    sessionOptions.addConfigEntry("session.use_device_allocator_for_initializers", "1");
    long limit;
    synchronized (this) {
      limit = Math.max(spec.estimatedBytes(), measured.getOrDefault(key(spec.path()), 0L));
    }
    try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(options.cudaDevice())) {
      cuda.add("gpu_mem_limit", Long.toString(limit));
      cuda.add("arena_extend_strategy", "kSameAsRequested");
      sessionOptions.addCUDA(cuda);
    } catch (OrtException e) {
      throw new OrtException(e.getCode(), "the CUDA execution provider is not available (" + e.getMessage()
          + "); the default build has the CPU-only onnxruntime jar: build the worker with -Pgpu (onnxruntime_gpu)"
          + " and give the node CUDA 12 and cuDNN 9, or run it with --gpus none");
    }
  }

  private void warmUp(ModelSpec spec, OrtSession session) throws OrtException {
    int[] size;
    synchronized (this) {
      size = inputSizes.get(key(spec.path()));
    }
    if (size == null) {
      return;
    }
    long[] shape = {1, 3, size[1], size[0]};
    ByteBuffer zeros = ByteBuffer.allocateDirect(3 * size[0] * size[1] * Float.BYTES).order(ByteOrder.nativeOrder());
    String input = session.getInputNames().iterator().next();
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, zeros.asFloatBuffer(), shape);
         OrtSession.Result ignored = session.run(Map.of(input, tensor))) {
      log.debug("Warmed up {} at {}x{}", spec.id(), size[0], size[1]);
    }
  }

  private synchronized void record(ModelSpec spec, long used) {
    String key = key(spec.path());
    measured.put(key, used);
    // The formula's own value, not the spec's (which may already be corrected), so the ratio converges.
    measuredSum += used;
    estimatedSum += formulaBytes.getOrDefault(key, spec.estimatedBytes());
    log.info("Measured {}: {} bytes against an estimate of {}; estimates now scaled by {}",
        spec.id(), used, spec.estimatedBytes(), String.format("%.2f", correction()));
  }

  private static String key(java.nio.file.Path path) {
    return path.toAbsolutePath().normalize().toString();
  }

  private static void closeAfterFailure(OrtSession session, OrtSession.SessionOptions options,
      OrtSession.RunOptions runOptions) {
    if (session != null) {
      try {
        session.close();
      } catch (OrtException e) {
        log.warn("Closing a session after a failed load failed", e);
      }
    }
    options.close();
    if (runOptions != null) {
      runOptions.close();
    }
  }
}

package io.framefarm.worker.gpucheck;

import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.DeviceAllocation;
import io.framefarm.worker.memory.LoadedModel;
import io.framefarm.worker.memory.ModelLoader;
import io.framefarm.worker.memory.ModelSpec;
import java.util.Map;

/**
 * "Models" that are plain device allocations, so the check exercises the model cache on a GPU without
 * ONNX Runtime (whose jar is far too large to carry, and whose arena would blur what is measured).
 * A model takes its estimate unless {@code actualBytes} names another size, as a real model measured
 * after its load does.
 */
final class DeviceModels implements ModelLoader {

  private final Device device;
  private final Map<String, Long> actualBytes;

  DeviceModels(Device device, Map<String, Long> actualBytes) {
    this.device = device;
    this.actualBytes = Map.copyOf(actualBytes);
  }

  @Override
  public LoadedModel load(ModelSpec spec) {
    DeviceAllocation memory = device.allocate(actualBytes.getOrDefault(spec.id(), spec.estimatedBytes()));
    return new LoadedModel() {
      @Override
      public long bytes() {
        return memory.bytes();
      }

      @Override
      public void close() {
        memory.close();
      }
    };
  }
}

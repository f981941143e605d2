package io.framefarm.worker.memory;

import io.framefarm.worker.device.Device;
import io.framefarm.worker.device.DeviceAllocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ModelLoader} of fake models that, like ONNX Runtime sessions, take their memory on the
 * device when loaded and give it back when closed.
 */
final class FakeModels implements ModelLoader {

  /** A model with a {@code closed} flag, in place of a native session. */
  static final class FakeModel implements LoadedModel {
    final String id;
    private final long bytes;
    private final DeviceAllocation memory;
    private final boolean freesOnClose;
    volatile boolean closed;

    FakeModel(String id, long bytes, DeviceAllocation memory, boolean freesOnClose) {
      this.id = id;
      this.bytes = bytes;
      this.memory = memory;
      this.freesOnClose = freesOnClose;
    }

    @Override
    public long bytes() {
      return bytes;
    }

    @Override
    public void close() {
      if (closed) {
        throw new IllegalStateException(id + " closed twice");
      }
      closed = true;
      if (memory != null && freesOnClose) {
        memory.close();
      }
    }
  }

  private final Device device;
  private final Map<String, Long> actualBytes = new HashMap<>();
  private final Set<String> failing = new HashSet<>();
  private final Set<String> leaky = new HashSet<>();
  private final List<FakeModel> loaded = new ArrayList<>();

  /** Models that take no device memory. */
  FakeModels() {
    this(null);
  }

  /** Models that allocate their bytes on {@code device}. */
  FakeModels(Device device) {
    this.device = device;
  }

  static ModelSpec spec(String id, long bytes) {
    return new ModelSpec(id, Path.of("models", id + ".onnx"), bytes, false);
  }

  static ModelSpec primary(String id, long bytes) {
    return new ModelSpec(id, Path.of("models", id + ".onnx"), bytes, true);
  }

  /** Loading {@code id} will take {@code bytes}, whatever its spec estimated. */
  synchronized FakeModels measuring(String id, long bytes) {
    actualBytes.put(id, bytes);
    return this;
  }

  synchronized FakeModels failing(String id) {
    failing.add(id);
    return this;
  }

  /** Closing {@code id} will not give its device memory back, like a session whose arena leaks. */
  synchronized FakeModels leaking(String id) {
    leaky.add(id);
    return this;
  }

  @Override
  public synchronized LoadedModel load(ModelSpec spec) throws Exception {
    if (failing.contains(spec.id())) {
      throw new java.io.IOException(spec.path() + ": no such file");
    }
    long bytes = actualBytes.getOrDefault(spec.id(), spec.estimatedBytes());
    DeviceAllocation memory = device == null ? null : device.allocate(bytes);
    FakeModel model = new FakeModel(spec.id(), bytes, memory, !leaky.contains(spec.id()));
    loaded.add(model);
    return model;
  }

  synchronized List<FakeModel> loaded() {
    return List.copyOf(loaded);
  }

  synchronized long loadsOf(String id) {
    return loaded.stream().filter(m -> m.id.equals(id)).count();
  }

  synchronized boolean allClosed() {
    return loaded.stream().allMatch(m -> m.closed);
  }

  synchronized List<String> open() {
    return loaded.stream().filter(m -> !m.closed).map(m -> m.id).toList();
  }
}

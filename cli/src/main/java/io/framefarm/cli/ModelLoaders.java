package io.framefarm.cli;

import com.typesafe.config.Config;
import io.framefarm.worker.memory.ModelLoader;

/** The model loader a worker node uses. */
final class ModelLoaders {
  private ModelLoaders() {}

  static ModelLoader forNode(Config config) {
    return spec -> {
      throw new IllegalStateException("model " + spec.id() + ": this node has no ONNX model loader");
    };
  }
}

package io.framefarm.worker.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framefarm.worker.memory.LoadedModel;
import io.framefarm.worker.memory.ModelSpec;

/**
 * An ONNX Runtime session with the options it was made with, loaded by {@link OnnxModelLoader}.
 * Closing it closes both: a session's options hold native memory of their own, and reloading models
 * without closing them leaked GPU memory (onnxruntime#14641).
 */
public final class OnnxModel implements LoadedModel {

  private final ModelSpec spec;
  private final OrtSession session;
  private final OrtSession.SessionOptions options;
  private final OrtSession.RunOptions runOptions;
  private final String inputName;
  private final String outputName;
  private final long bytes;
  private boolean closed;

  OnnxModel(ModelSpec spec, OrtSession session, OrtSession.SessionOptions options, OrtSession.RunOptions runOptions,
      long bytes) {
    this.spec = spec;
    this.session = session;
    this.options = options;
    this.runOptions = runOptions;
    this.inputName = session.getInputNames().iterator().next();
    this.outputName = session.getOutputNames().iterator().next();
    this.bytes = bytes;
  }

  public ModelSpec spec() {
    return spec;
  }

  /** Shared by every chunk that holds the model; ONNX Runtime allows concurrent runs on one session. */
  public OrtSession session() {
    return session;
  }

  /** Options to pass to every run (arena shrinkage on CUDA), or null. */
  public OrtSession.RunOptions runOptions() {
    return runOptions;
  }

  /** The first graph input: the image tensor Framefarm feeds. */
  public String inputName() {
    return inputName;
  }

  /** The first graph output: what the pipeline stages read. */
  public String outputName() {
    return outputName;
  }

  @Override
  public long bytes() {
    return bytes;
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /** Idempotent: ONNX Runtime's own close throws when called twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing the session of " + spec.id() + " failed: " + e.getMessage(), e);
    } finally {
      options.close();
      if (runOptions != null) {
        runOptions.close();
      }
    }
  }

  @Override
  public String toString() {
    return "OnnxModel[" + spec.id() + ", " + bytes + " bytes]";
  }
}

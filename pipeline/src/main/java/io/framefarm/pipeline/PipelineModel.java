package io.framefarm.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A model a pipeline uses.
 *
 * @param path where the .onnx file is; relative paths in a pipeline file are resolved against that file's folder
 * @param sha256 expected hex digest of the file, or null to skip the check
 * @param role {@link Role#PRIMARY} models run on every frame and stay loaded; {@link Role#SECONDARY}
 *     models are loaded on demand and may be evicted between chunks
 * @param inputWidth width of the image tensor the pipeline feeds it (NCHW, dimension 3)
 * @param inputHeight height of that tensor (dimension 2)
 * @param estimatedBytes memory the model needs once loaded, or 0 to estimate it from the file
 *     ({@link ModelMemoryEstimate})
 */
public record PipelineModel(String id, Path path, String sha256, Role role, int inputWidth, int inputHeight,
    ChannelOrder channelOrder, Normalization normalization, long estimatedBytes) {

  public enum Role { PRIMARY, SECONDARY }

  /**
   * Order of the three colour planes in the model's input and output tensors (PaddleOCR models were trained on BGR).
   */
  public enum ChannelOrder { RGB, BGR }

  public PipelineModel {
    if (id == null || id.isBlank()) {
      throw new InvalidPipelineException("a model needs an id");
    }
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(channelOrder, "channelOrder");
    Objects.requireNonNull(normalization, "normalization");
    if (inputWidth <= 0 || inputHeight <= 0) {
      throw new InvalidPipelineException("model " + id + ": input width and height must be positive, were "
          + inputWidth + "x" + inputHeight);
    }
    if (estimatedBytes < 0) {
      throw new InvalidPipelineException("model " + id + ": estimatedBytes must not be negative, was "
          + estimatedBytes);
    }
    if (sha256 != null && !sha256.matches("[0-9a-fA-F]{64}")) {
      throw new InvalidPipelineException("model " + id + ": sha256 must be 64 hex digits, was '" + sha256 + "'");
    }
    sha256 = sha256 == null ? null : sha256.toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * What identifies the model on a device: its id with the start of its digest when known. Ids are only unique
   * within one pipeline; two pipelines that both call different files {@code text-detector} must not share a loaded
   * session, and two that name the same file by different paths should.
   */
  public String key() {
    return sha256 == null ? id : id + "@" + sha256.substring(0, 12);
  }

  /** The same model with the digest of its file (a coordinator resolved it). */
  public PipelineModel withSha256(String digest) {
    return new PipelineModel(id, path, digest, role, inputWidth, inputHeight, channelOrder, normalization,
        estimatedBytes);
  }

  /** The same model read from another file (a worker's copy of it). */
  public PipelineModel withPath(Path file) {
    return new PipelineModel(id, file, sha256, role, inputWidth, inputHeight, channelOrder, normalization,
        estimatedBytes);
  }

  public boolean primary() {
    return role == Role.PRIMARY;
  }

  /**
   * How 8-bit samples v (0..255) become tensor values: {@code x = (v * scale - mean[c]) / std[c]}, per
   * channel c in the model's channel order; outputs are mapped back with the inverse.
   */
  public record Normalization(double scale, List<Double> mean, List<Double> std) {

    /** Samples scaled to [0, 1]. */
    public static final Normalization DEFAULT = new Normalization(1.0 / 255, List.of(0.0, 0.0, 0.0),
        List.of(1.0, 1.0, 1.0));

    public Normalization {
      mean = List.copyOf(mean);
      std = List.copyOf(std);
      if (mean.size() != 3 || std.size() != 3) {
        throw new InvalidPipelineException("normalization needs three means and three stds, got " + mean + " and "
            + std);
      }
      if (!(scale > 0) || std.stream().anyMatch(s -> !(s > 0))) {
        throw new InvalidPipelineException("normalization scale and stds must be positive, were " + scale + " and "
            + std);
      }
    }
  }
}

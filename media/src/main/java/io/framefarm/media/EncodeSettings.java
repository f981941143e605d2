package io.framefarm.media;

/**
 * libx264 settings, identical for every chunk of a job. {@code lossless} ignores {@code crf} (qp 0) and keeps
 * the frame's pixel layout.
 */
public record EncodeSettings(int crf, String preset, boolean lossless) {

  public EncodeSettings {
    if (crf < 0 || crf > 51) {
      throw new IllegalArgumentException("crf must be in 0..51: " + crf);
    }
    if (preset == null || preset.isBlank()) {
      throw new IllegalArgumentException("preset is required");
    }
  }

  public static EncodeSettings defaults() {
    return new EncodeSettings(18, "veryfast", false);
  }

  public static EncodeSettings losslessDefaults() {
    return new EncodeSettings(0, "ultrafast", true);
  }
}

package io.framefarm.pipeline;

import java.util.Locale;

/** Memory and file sizes as the farm writes them in reasons: exact bytes, then a rounded size for people. */
public final class Sizes {
  private Sizes() {}

  /** {@code 12345678 bytes (11.8 MiB)}; {@code unlimited} for {@link Long#MAX_VALUE}. */
  public static String of(long bytes) {
    if (bytes == Long.MAX_VALUE) {
      return "unlimited";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (Math.abs(value) >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return bytes + " bytes" + (unit < 0 ? "" : String.format(Locale.ROOT, " (%.1f %s)", value, units[unit]));
  }
}

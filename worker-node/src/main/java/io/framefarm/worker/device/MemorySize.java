package io.framefarm.worker.device;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as people write them on the command line ({@code 6GiB}, {@code 512MiB}, {@code 1.5GB}) and read them in
 * logs.
 */
public final class MemorySize {

  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");

  // Binary units are what GPUs report; decimal ones are what disks and some users write.
  private static final Map<String, Long> UNITS = Map.ofEntries(
      Map.entry("", 1L), Map.entry("b", 1L),
      Map.entry("k", 1L << 10), Map.entry("kib", 1L << 10), Map.entry("kb", 1_000L),
      Map.entry("m", 1L << 20), Map.entry("mib", 1L << 20), Map.entry("mb", 1_000_000L),
      Map.entry("g", 1L << 30), Map.entry("gib", 1L << 30), Map.entry("gb", 1_000_000_000L),
      Map.entry("t", 1L << 40), Map.entry("tib", 1L << 40), Map.entry("tb", 1_000_000_000_000L));

  private static final String[] BINARY = {"KiB", "MiB", "GiB", "TiB"};

  private MemorySize() {}

  /**
   * Parses a size; fractions of a byte are dropped.
   *
   * @throws IllegalArgumentException naming the text when it is not a size
   */
  public static long parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("memory size is missing");
    }
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    Long unit = m.matches() ? UNITS.get(m.group(2)) : null;
    if (unit == null) {
      throw new IllegalArgumentException("'" + text
          + "' is not a memory size; use e.g. 6GiB, 512MiB, 1.5GB or plain bytes");
    }
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).setScale(0, RoundingMode.DOWN);
    if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too large a memory size");
    }
    return bytes.longValueExact();
  }

  /** {@code 512 B}, {@code 1.5 KiB}, {@code 6.0 GiB}: one decimal, binary units. */
  public static String format(long bytes) {
    if (Math.abs(bytes) < 1024) {
      return bytes + " B";
    }
    double value = bytes;
    int unit = -1;
    while (Math.abs(value) >= 1024 && unit < BINARY.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, BINARY[unit]);
  }
}

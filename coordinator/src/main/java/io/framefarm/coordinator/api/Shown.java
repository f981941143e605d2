package io.framefarm.coordinator.api;

/**
 * A request's own text as it may appear in an error: cut to a readable length, control characters escaped, so a
 * reason never carries megabytes or terminal escapes back to the caller or into the log.
 */
final class Shown {
  static final int MAX = 160;

  private Shown() {}

  static String text(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    int end = Math.min(value.length(), MAX);
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (value.length() > MAX) {
      out.append("... (").append(value.length()).append(" characters)");
    }
    return out.toString();
  }
}

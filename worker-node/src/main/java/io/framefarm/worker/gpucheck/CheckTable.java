package io.framefarm.worker.gpucheck;

import static io.framefarm.worker.device.MemorySize.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The check's rows, in the order they ran; the check passes when no row failed. */
public final class CheckTable {

  public enum Status { PASS, FAIL, INFO }

  /**
   * One step. {@code accountedBytes} is what the memory manager's books hold on the device, {@code deviceBytes} what
   * {@code cuMemGetInfo} says was taken since the baseline; either is -1 where the row compares nothing.
   */
  public record Row(String step, long accountedBytes, long deviceBytes, long toleranceBytes, Status status,
      String note) {

    public long differenceBytes() {
      return accountedBytes < 0 || deviceBytes < 0 ? -1 : deviceBytes - accountedBytes;
    }
  }

  private final List<String> header = new ArrayList<>();
  private final List<Row> rows = new ArrayList<>();

  void header(String line) {
    header.add(line);
  }

  Row add(Row row) {
    rows.add(row);
    return row;
  }

  Row info(String step, String note) {
    return add(new Row(step, -1, -1, -1, Status.INFO, note));
  }

  Row check(String step, boolean ok, String note) {
    return add(new Row(step, -1, -1, -1, ok ? Status.PASS : Status.FAIL, note));
  }

  public List<Row> rows() {
    return List.copyOf(rows);
  }

  public List<Row> failures() {
    return rows.stream().filter(r -> r.status() == Status.FAIL).toList();
  }

  public boolean passed() {
    return !rows.isEmpty() && failures().isEmpty();
  }

  /** The table as printed: header lines, one line per row, a verdict. */
  public String render() {
    StringBuilder out = new StringBuilder();
    header.forEach(line -> out.append(line).append('\n'));
    String format = "%-3s %-34s %11s %11s %10s %10s %-4s  %s%n";
    out.append(String.format(Locale.ROOT, format, "#", "step", "accounted", "device", "diff", "tolerance", "ok",
        "note"));
    int n = 1;
    for (Row r : rows) {
      out.append(String.format(Locale.ROOT, format, n++, r.step(), size(r.accountedBytes()), size(r.deviceBytes()),
          r.differenceBytes() == -1 && r.accountedBytes() < 0 ? "" : format(r.differenceBytes()),
          size(r.toleranceBytes()), r.status(), r.note()));
    }
    long failed = failures().size();
    out.append(passed() ? "RESULT: PASS (" + rows.size() + " rows)"
        : "RESULT: FAIL (" + failed + " of " + rows.size() + " rows failed)").append('\n');
    return out.toString();
  }

  private static String size(long bytes) {
    return bytes < 0 ? "" : format(bytes);
  }
}

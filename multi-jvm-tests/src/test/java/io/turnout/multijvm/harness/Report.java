package io.turnout.multijvm.harness;

import io.turnout.ops.load.LoadRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A scenario's figures, printed as one block (the closing note quotes them). */
public final class Report {
  private final String title;
  private final List<String> rows = new ArrayList<>();

  public Report(String title) {
    this.title = title;
  }

  public Report row(String label, String value) {
    rows.add(String.format(Locale.ROOT, "  %-22s %s", label, value));
    return this;
  }

  public Report row(String label, String format, Object... args) {
    return row(label, String.format(Locale.ROOT, format, args));
  }

  /** Latency figures of the requests due in a window. */
  public static String latency(LoadRecord window) {
    if (window.count() == 0) return "no requests";
    return String.format(Locale.ROOT, "p99 %.1f ms (p50 %.1f, max %.1f) over %d requests", window.percentileMillis(99),
        window.percentileMillis(50), window.latencies().getMaxValue() / 1000.0, window.count());
  }

  public void print() {
    StringBuilder text = new StringBuilder("\n=== ").append(title).append(" ===\n");
    for (String row : rows) text.append(row).append('\n');
    System.out.print(text);
    System.out.flush();
  }
}

package io.turnout.persistence.rollout.strategy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/** Numbers as people read them in status lines and audit-log causes. */
final class Texts {
  private Texts() {}

  /** A rate (0..1) as a percentage: {@code 12.0 %}, and two decimals below one percent: {@code 0.40 %}. */
  static String percent(double rate) {
    double percent = rate * 100;
    return String.format(Locale.ROOT, percent > 0 && percent < 1 ? "%.2f %%" : "%.1f %%", percent);
  }

  /** A rate difference (0..1) in percentage points: {@code 1.0 points}. */
  static String points(double rate) {
    return String.format(Locale.ROOT, "%.1f points", rate * 100);
  }

  /** Basis points as a percentage without needless decimals: {@code 25 %}, {@code 0.5 %}. */
  static String share(int basisPoints) {
    return BigDecimal.valueOf(basisPoints, 2).stripTrailingZeros().toPlainString() + " %";
  }

  static String latency(double micros) {
    if (micros < 1_000) return String.format(Locale.ROOT, "%.0f µs", micros);
    if (micros < 1_000_000) return String.format(Locale.ROOT, "%.1f ms", micros / 1_000);
    return String.format(Locale.ROOT, "%.1f s", micros / 1_000_000);
  }

  static String ratio(double ratio) {
    return String.format(Locale.ROOT, "%.2fx", ratio);
  }

  /** {@code 1h 5m}, {@code 4m 20s}, {@code 45s}, {@code 250 ms}. */
  static String duration(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds == 0) return duration.toMillis() + " ms";
    long hours = seconds / 3600;
    long minutes = seconds % 3600 / 60;
    long rest = seconds % 60;
    StringBuilder text = new StringBuilder();
    if (hours > 0) text.append(hours).append("h ");
    if (minutes > 0) text.append(minutes).append("m ");
    if (rest > 0 || text.length() == 0) text.append(rest).append("s ");
    return text.toString().trim();
  }
}

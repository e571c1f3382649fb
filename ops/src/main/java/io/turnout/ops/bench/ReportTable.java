package io.turnout.ops.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The benchmark's tables for one model: a row per system and concurrency, then the ratios
 * Turnout/naive and Turnout/ceiling, then where Turnout stands against the two targets.
 */
final class ReportTable {

  static final String CEILING = "ceiling";
  static final String NAIVE = "naive";
  static final String TURNOUT = "turnout";
  static final List<String> SYSTEMS = List.of(CEILING, NAIVE, TURNOUT);

  /** Turnout's p50 at concurrency 1 may exceed the naive server's by at most this much. */
  static final double P50_TARGET_MS = 0.3;

  /** Turnout's throughput at concurrency 64 on the wide model, as a multiple of naive. */
  static final double THROUGHPUT_TARGET = 1.5;

  static final int TARGET_CONCURRENCY = 64;

  /** Figures exactly on a bound meet it, whatever floating point makes of them. */
  private static final double EPSILON = 1e-9;

  /**
   * Measurements for one model.
   *
   * @param failures why a system has no rows, by system name
   */
  record ModelResult(
      String model, String description, List<Measurement> rows, Map<String, String> failures) {

    Optional<Measurement> find(String system, int concurrency) {
      return rows.stream()
          .filter(m -> m.system().equals(system) && m.concurrency() == concurrency)
          .findFirst();
    }
  }

  private ReportTable() {}

  static String text(ModelResult result, List<Integer> concurrencies, boolean throughputTarget) {
    List<String> lines = new ArrayList<>();
    lines.add(result.model() + " (" + result.description() + ")");
    lines.add(
        String.format(
            Locale.ROOT,
            "  %-8s %5s %10s %9s %9s %11s %7s %7s",
            "system", "conc", "req/s", "p50 ms", "p99 ms", "CPU us/req", "errors", "others"));
    for (String system : SYSTEMS) {
      if (result.failures().containsKey(system)) {
        lines.add(String.format(Locale.ROOT, "  %-8s FAILED: %s", system, result.failures().get(system)));
        continue;
      }
      for (int c : concurrencies) {
        result
            .find(system, c)
            .ifPresent(
                m ->
                    lines.add(
                        String.format(
                            Locale.ROOT,
                            "  %-8s %5d %10.0f %9.3f %9.3f %11.0f %7d %7.2f",
                            system,
                            c,
                            m.requestsPerSecond(),
                            m.p50Millis(),
                            m.p99Millis(),
                            m.cpuMicrosPerRequest(),
                            m.errors(),
                            m.otherCores())));
      }
    }
    lines.add(ratioLine("Turnout/naive", result, NAIVE, concurrencies));
    lines.add(ratioLine("Turnout/ceiling", result, CEILING, concurrencies));
    lines.addAll(targets(result, throughputTarget));
    return String.join(System.lineSeparator(), lines) + System.lineSeparator();
  }

  static String markdown(
      ModelResult result, List<Integer> concurrencies, boolean throughputTarget) {
    List<String> lines = new ArrayList<>();
    lines.add("| system | conc | req/s | p50 ms | p99 ms | CPU µs/req | errors | others' CPU |");
    lines.add("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (String system : SYSTEMS) {
      if (result.failures().containsKey(system)) {
        lines.add("| " + system + " | – | failed: " + result.failures().get(system) + " | | | | |");
        continue;
      }
      for (int c : concurrencies) {
        result
            .find(system, c)
            .ifPresent(
                m ->
                    lines.add(
                        String.format(
                            Locale.ROOT,
                            "| %s | %d | %.0f | %.3f | %.3f | %.0f | %d | %.2f |",
                            system,
                            c,
                            m.requestsPerSecond(),
                            m.p50Millis(),
                            m.p99Millis(),
                            m.cpuMicrosPerRequest(),
                            m.errors(),
                            m.otherCores())));
      }
    }
    lines.add("");
    lines.add(
        "| ratio | "
            + String.join(
                " | ", concurrencies.stream().map(c -> "c=" + c).toList())
            + " |");
    lines.add("|---|" + "---|".repeat(concurrencies.size()));
    for (String base : List.of(NAIVE, CEILING)) {
      StringBuilder row = new StringBuilder("| Turnout/" + base + " |");
      for (int c : concurrencies) {
        row.append(' ').append(ratio(result, base, c).orElse("–")).append(" |");
      }
      lines.add(row.toString());
    }
    lines.add("");
    for (String target : targets(result, throughputTarget)) {
      lines.add("- " + target.strip());
    }
    return String.join("\n", lines) + "\n";
  }

  private static String ratioLine(
      String label, ModelResult result, String base, List<Integer> concurrencies) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-16s", label));
    for (int c : concurrencies) {
      line.append(String.format(Locale.ROOT, "  c=%d: %s;", c, ratio(result, base, c).orElse("n/a")));
    }
    return line.toString();
  }

  /** {@code "0.95x req/s, p50 1.12x (+0.04 ms)"} for Turnout against {@code base}. */
  static Optional<String> ratio(ModelResult result, String base, int concurrency) {
    Optional<Measurement> turnout = result.find(TURNOUT, concurrency);
    Optional<Measurement> other = result.find(base, concurrency);
    if (turnout.isEmpty() || other.isEmpty()) {
      return Optional.empty();
    }
    Measurement t = turnout.get();
    Measurement o = other.get();
    return Optional.of(
        String.format(
            Locale.ROOT,
            "%.2fx req/s, p50 %.2fx (%+.3f ms)",
            t.requestsPerSecond() / o.requestsPerSecond(),
            t.p50Millis() / o.p50Millis(),
            t.p50Millis() - o.p50Millis()));
  }

  static List<String> targets(ModelResult result, boolean throughputTarget) {
    List<String> lines = new ArrayList<>();
    Optional<Measurement> t1 = result.find(TURNOUT, 1);
    Optional<Measurement> n1 = result.find(NAIVE, 1);
    if (t1.isPresent() && n1.isPresent()) {
      double delta = t1.get().p50Millis() - n1.get().p50Millis();
      lines.add(
          String.format(
              Locale.ROOT,
              "  target p50 at c=1 within %.1f ms of naive: %+.3f ms -> %s",
              P50_TARGET_MS,
              delta,
              delta <= P50_TARGET_MS + EPSILON ? "met" : "MISSED"));
    }
    if (throughputTarget) {
      Optional<Measurement> t64 = result.find(TURNOUT, TARGET_CONCURRENCY);
      Optional<Measurement> n64 = result.find(NAIVE, TARGET_CONCURRENCY);
      if (t64.isPresent() && n64.isPresent()) {
        double ratio = t64.get().requestsPerSecond() / n64.get().requestsPerSecond();
        lines.add(
            String.format(
                Locale.ROOT,
                "  target req/s at c=%d >= %.1fx naive: %.2fx -> %s",
                TARGET_CONCURRENCY,
                THROUGHPUT_TARGET,
                ratio,
                ratio >= THROUGHPUT_TARGET - EPSILON ? "met" : "MISSED"));
      }
    }
    return lines;
  }
}

package io.turnout.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTableTest {

  private static final List<Integer> CONCURRENCY = List.of(1, 64);

  private static Measurement m(String system, int c, double rps, double p50) {
    return new Measurement(system, c, (long) rps * 10, 0, rps, p50, p50 * 3, 100, 0);
  }

  private static ReportTable.ModelResult result(double turnoutP50At1, double turnoutRpsAt64) {
    return new ReportTable.ModelResult(
        "wide",
        "MLP 4-1024-1024-3, wide/1",
        List.of(
            m("ceiling", 1, 4000, 0.2),
            m("ceiling", 64, 8000, 8.0),
            m("naive", 1, 1000, 0.8),
            m("naive", 64, 3000, 20.0),
            m("turnout", 1, 900, turnoutP50At1),
            m("turnout", 64, turnoutRpsAt64, 10.0)),
        Map.of());
  }

  @Test
  void ratiosCompareTurnoutWithTheOtherSystemAtTheSameConcurrency() {
    assertEquals(
        "2.00x req/s, p50 0.50x (-10.000 ms)",
        ReportTable.ratio(result(1.0, 6000), ReportTable.NAIVE, 64).orElseThrow());
    assertEquals(
        "0.23x req/s, p50 5.00x (+0.800 ms)",
        ReportTable.ratio(result(1.0, 6000), ReportTable.CEILING, 1).orElseThrow());
  }

  @Test
  void targetsAreMetWithinTheirBounds() {
    List<String> lines = ReportTable.targets(result(1.1, 4500), true);

    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).endsWith("+0.300 ms -> met"), lines.get(0));
    assertTrue(lines.get(1).endsWith("1.50x -> met"), lines.get(1));
  }

  @Test
  void targetsMissedSaySo() {
    List<String> lines = ReportTable.targets(result(1.2, 4000), true);

    assertTrue(lines.get(0).endsWith("MISSED"), lines.get(0));
    assertTrue(lines.get(1).endsWith("1.33x -> MISSED"), lines.get(1));
  }

  @Test
  void aFailedSystemIsNamedInTheTableAndLeavesNoRatios() {
    ReportTable.ModelResult failed =
        new ReportTable.ModelResult(
            "iris",
            "MLP 4-16-3, iris/2",
            List.of(m("naive", 1, 2500, 0.37)),
            Map.of("turnout", "Turnout node exited with 1 before it was ready"));

    String text = ReportTable.text(failed, CONCURRENCY, false);

    assertTrue(text.contains("turnout  FAILED: Turnout node exited"), text);
    assertTrue(text.contains("c=1: n/a"), text);
    assertTrue(ReportTable.targets(failed, false).isEmpty());
  }
}

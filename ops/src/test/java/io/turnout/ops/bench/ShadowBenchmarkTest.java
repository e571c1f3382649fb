package io.turnout.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShadowBenchmarkTest {

  private static ShadowBenchmark.Run run(int round, int mirror, double p50, double p99, long compared) {
    Measurement m = new Measurement(mirror + "%", 16, 10_000, 0, 1_000, p50, p99, 300, 0.01);
    return new ShadowBenchmark.Run(round, mirror, m, compared, 0, 0);
  }

  @Test
  void comparesTheMediansOfEachModeAndShowsEveryRoundsOwnRatio() {
    ShadowBenchmark bench = new ShadowBenchmark();
    bench.concurrency = List.of(16);
    bench.rounds = 3;
    bench.durationSeconds = 10;

    String table = bench.table(List.of(
        run(1, 0, 1.0, 10.0, 0), run(1, 100, 1.1, 10.5, 15_000),
        run(2, 100, 1.0, 12.0, 15_000), run(2, 0, 1.0, 11.0, 0),
        run(3, 0, 1.0, 30.0, 0), run(3, 100, 1.2, 11.0, 15_000)));

    // medians: p99 without 11.0, with 11.0; p50 without 1.0, with 1.1
    assertTrue(table.contains("c=16: p99 100 %/0 % = 1.00 (rounds: 1.05, 1.09, 0.37), p50 1.10; target <= 1.10: met"),
        table);
    assertTrue(table.contains("45000/0"), "copies of every mirrored run: " + table);
  }

  @Test
  void aRatioAboveTheTargetIsReportedAsMissed() {
    ShadowBenchmark bench = new ShadowBenchmark();
    bench.concurrency = List.of(16);
    bench.rounds = 1;
    bench.durationSeconds = 10;

    String table = bench.table(List.of(run(1, 0, 1.0, 10.0, 0), run(1, 100, 1.0, 11.5, 5_000)));

    assertTrue(table.contains("= 1.15 (rounds: 1.15), p50 1.00; target <= 1.10: MISSED"), table);
  }

  @Test
  void median() {
    assertEquals(2.0, ShadowBenchmark.median(new double[] {3, 1, 2}));
    assertEquals(2.5, ShadowBenchmark.median(new double[] {4, 1, 2, 3}));
  }
}

package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.none;
import static io.turnout.persistence.rollout.strategy.Fixtures.window;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.rollout.Gate;
import org.junit.jupiter.api.Test;

class GatesTest {
  /** At least 100 target requests, at most one point more errors than stable, p99 at most 1.5 × stable's. */
  private static final Gate GATE = new Gate(100, 0.01, 1.5);

  @Test
  void waitsUntilTheTargetHasServedMinSamplesRequests() {
    GateVerdict verdict = Gates.evaluate(GATE, window(5_000, 0, 20_000), window(47, 40, 900_000));

    assertEquals(new GateVerdict.Wait("47 of 100 target requests so far"), verdict);
  }

  @Test
  void passesWithinBothLimitsAndSaysByHowMuch() {
    GateVerdict verdict = Gates.evaluate(GATE, window(10_000, 40, 20_000), window(1_000, 12, 21_000));

    GateVerdict.Pass pass = assertInstanceOf(GateVerdict.Pass.class, verdict);
    assertTrue(pass.summary().startsWith("error rate 1.2 % vs stable 0.40 % (max +1.0 points), p99 "), pass.summary());
    assertTrue(pass.summary().contains(" vs stable ") && pass.summary().contains("max 1.50x"), pass.summary());
    assertTrue(pass.summary().endsWith("over 1000 target requests"), pass.summary());
  }

  @Test
  void failsWhenTheErrorRateRisesMoreThanAllowed() {
    GateVerdict verdict = Gates.evaluate(GATE, window(10_000, 40, 20_000), window(500, 60, 20_000));

    assertEquals(new GateVerdict.Fail("error rate 12.0 % vs stable 0.40 % (max +1.0 points) over 500 target requests"),
        verdict);
  }

  @Test
  void anIncreaseOfExactlyTheLimitPasses() {
    GateVerdict verdict = Gates.evaluate(GATE, window(1_000, 10, 20_000), window(1_000, 20, 20_000));

    assertInstanceOf(GateVerdict.Pass.class, verdict);
  }

  @Test
  void failsWhenP99ExceedsTheRatioOverStable() {
    GateVerdict verdict = Gates.evaluate(GATE, window(10_000, 0, 20_000), window(500, 0, 80_000));

    GateVerdict.Fail fail = assertInstanceOf(GateVerdict.Fail.class, verdict);
    assertTrue(fail.reason().matches("p99 \\d+\\.\\d ms vs stable \\d+\\.\\d ms \\(\\d\\.\\d\\dx, max 1\\.50x\\) over 500 target requests"),
        fail.reason());
  }

  @Test
  void aP99WithinTheRatioPasses() {
    GateVerdict verdict = Gates.evaluate(GATE, window(10_000, 0, 20_000), window(500, 0, 28_000));

    assertInstanceOf(GateVerdict.Pass.class, verdict);
  }

  @Test
  void bothFailuresAreNamedTogether() {
    GateVerdict verdict = Gates.evaluate(GATE, window(10_000, 0, 20_000), window(500, 100, 80_000));

    GateVerdict.Fail fail = assertInstanceOf(GateVerdict.Fail.class, verdict);
    assertTrue(fail.reason().startsWith("error rate 20.0 % vs stable 0.0 % (max +1.0 points); p99 "), fail.reason());
  }

  @Test
  void withNoStableTrafficTheErrorRateIsComparedWithZeroAndLatencyIsNotCompared() {
    GateVerdict slowButClean = Gates.evaluate(GATE, none(), window(500, 4, 5_000_000));
    GateVerdict erring = Gates.evaluate(GATE, none(), window(500, 10, 20_000));

    GateVerdict.Pass pass = assertInstanceOf(GateVerdict.Pass.class, slowButClean);
    assertTrue(pass.summary().matches("error rate 0\\.80 % with no stable baseline \\(max 1\\.0 %\\), "
        + "p99 5\\.\\d s not compared \\(stable served no requests\\) over 500 target requests"), pass.summary());
    assertEquals(new GateVerdict.Fail("error rate 2.0 % with no stable baseline (max 1.0 %) over 500 target requests"),
        erring);
  }

  @Test
  void aFewStableStragglersAreNoBaseline() {
    // Three stable requests, one of them an error (33 %), must not excuse a target at 20 % errors.
    GateVerdict verdict = Gates.evaluate(GATE, window(3, 1, 20_000), window(500, 100, 20_000));

    assertEquals(new GateVerdict.Fail("error rate 20.0 % with no stable baseline (max 1.0 %) over 500 target requests"),
        verdict);
    GateVerdict slow = Gates.evaluate(GATE, window(3, 0, 20_000), window(500, 0, 900_000));
    GateVerdict.Pass pass = assertInstanceOf(GateVerdict.Pass.class, slow);
    assertTrue(pass.summary().contains("not compared (stable served only 3, fewer than 100)"), pass.summary());
  }

  @Test
  void aGateWithoutMinimumSamplesPassesAnIdleTarget() {
    assertInstanceOf(GateVerdict.Pass.class, Gates.evaluate(new Gate(0, 0.01, 1.5), window(1_000, 0, 20_000), none()));
  }
}

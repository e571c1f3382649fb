package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.none;
import static io.turnout.persistence.rollout.strategy.Fixtures.shadow;
import static io.turnout.persistence.rollout.strategy.Fixtures.window;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.ShadowGate;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import org.junit.jupiter.api.Test;

class ShadowGatesTest {
  /** At least 200 compared copies, 90 % agreement, p99 at most twice stable's, at most 1 % failed copies. */
  private static final ShadowGate GATE = new ShadowGate(200, 0.9, 2.0, 0.01);
  /** Stable served 5 000 requests at 20 ms each. */
  private static final VersionWindow STABLE = window(5_000, 0, 20_000);

  @Test
  void waitsUntilMinSamplesCopiesWereCompared() {
    GateVerdict verdict = ShadowGates.evaluate(GATE, STABLE, shadow(150, 150, 10, 0, 900_000));

    assertEquals(new GateVerdict.Wait("150 of 200 compared copies so far"), verdict);
  }

  @Test
  void passesWithinEveryLimitAndSaysByHowMuch() {
    GateVerdict verdict = ShadowGates.evaluate(GATE, STABLE, shadow(400, 400, 380, 2, 30_000));

    GateVerdict.Pass pass = assertInstanceOf(GateVerdict.Pass.class, verdict);
    assertTrue(pass.summary().startsWith("agreement 95.0 % (min 90.0 %), mean |diff| 0.01000, max |diff| 0.2000, "
        + "error rate 0.50 % of 402 copies (max 1.0 %), p99 "), pass.summary());
    assertTrue(pass.summary().contains(" vs stable ") && pass.summary().contains("max 2.00x"), pass.summary());
    assertTrue(pass.summary().endsWith(" over 400 compared copies"), pass.summary());
  }

  @Test
  void failsWhenTheCandidatePicksAnotherClassTooOften() {
    GateVerdict verdict = ShadowGates.evaluate(GATE, STABLE, shadow(400, 400, 320, 0, 20_000));

    assertEquals(new GateVerdict.Fail("agreement 80.0 % (min 90.0 %) over 400 compared copies"), verdict);
  }

  @Test
  void agreementOfExactlyTheMinimumPasses() {
    assertInstanceOf(GateVerdict.Pass.class, ShadowGates.evaluate(GATE, STABLE, shadow(400, 400, 360, 0, 20_000)));
  }

  @Test
  void outputsThatAreNotScoresPerClassAreNotJudgedOnAgreement() {
    GateVerdict verdict = ShadowGates.evaluate(GATE, STABLE, shadow(400, 0, 0, 0, 20_000));

    GateVerdict.Pass pass = assertInstanceOf(GateVerdict.Pass.class, verdict);
    assertTrue(pass.summary().startsWith("agreement not judged (no output is a score per class), "), pass.summary());
  }

  @Test
  void failsWhenTheShadowIsSlowerThanTheRatioOverStablesPrimaryP99() {
    GateVerdict verdict = ShadowGates.evaluate(GATE, STABLE, shadow(400, 400, 400, 0, 50_000));

    GateVerdict.Fail fail = assertInstanceOf(GateVerdict.Fail.class, verdict);
    assertTrue(fail.reason().matches("p99 \\d+\\.\\d ms vs stable \\d+\\.\\d ms \\(2\\.\\d\\dx, max 2\\.00x\\) over 400 compared copies"),
        fail.reason());
  }

  @Test
  void withoutAStableBaselineLatencyIsNotCompared() {
    GateVerdict verdict = ShadowGates.evaluate(GATE, window(50, 0, 20_000), shadow(400, 400, 400, 0, 5_000_000));

    GateVerdict.Pass pass = assertInstanceOf(GateVerdict.Pass.class, verdict);
    assertTrue(pass.summary().contains("not compared (stable served only 50, fewer than 200)"), pass.summary());
    assertInstanceOf(GateVerdict.Pass.class, ShadowGates.evaluate(GATE, none(), shadow(400, 400, 400, 0, 5_000_000)));
  }

  @Test
  void failedCopiesFailTheGateOnceMinSamplesWereSentEvenWithNothingCompared() {
    GateVerdict verdict = ShadowGates.evaluate(GATE, STABLE, shadow(0, 0, 0, 250, 20_000));

    assertEquals(new GateVerdict.Fail("error rate 100.0 % of 250 copies (max 1.0 %)"), verdict);
  }

  @Test
  void failedCopiesShortOfMinSamplesAreNoVerdictYet() {
    assertInstanceOf(GateVerdict.Wait.class, ShadowGates.evaluate(GATE, STABLE, shadow(0, 0, 0, 199, 20_000)));
  }

  @Test
  void everyFailedLimitIsNamed() {
    GateVerdict verdict = ShadowGates.evaluate(GATE, STABLE, shadow(400, 400, 200, 40, 90_000));

    GateVerdict.Fail fail = assertInstanceOf(GateVerdict.Fail.class, verdict);
    assertTrue(fail.reason().startsWith("error rate 9.1 % of 440 copies (max 1.0 %); agreement 50.0 % (min 90.0 %); p99 "),
        fail.reason());
  }

  @Test
  void droppedCopiesAreNeitherSamplesNorFailures() {
    ShadowStats mostlyDropped = new ShadowStats(100, 10_000, 0, 100, 100, 100, 0, 0, latency(100, 20_000));

    assertEquals(new GateVerdict.Wait("100 of 200 compared copies so far"), ShadowGates.evaluate(GATE, STABLE, mostlyDropped));
  }

  @Test
  void aGateOfZeroSamplesPassesAtOnce() {
    assertInstanceOf(GateVerdict.Pass.class,
        ShadowGates.evaluate(new ShadowGate(0, 0.9, 2.0, 0.01), none(), ShadowStats.none()));
  }

  private static LatencyHistogram latency(long count, long micros) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    counts[LatencyHistogram.bucketOf(micros)] = count;
    return new LatencyHistogram(counts);
  }
}

package io.turnout.persistence.rollout.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.rollout.RewardStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfidenceIntervalsTest {

  /** Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (score interval). */
  @ParameterizedTest
  @CsvSource({
      "81, 263, 0.2553, 0.3662",
      "15, 148, 0.0624, 0.1605",
      "0, 20, 0.0000, 0.1611",
      "1, 29, 0.0061, 0.1718",
      "29, 29, 0.8830, 1.0000"})
  void wilsonAsNewcombesTable(long successes, long trials, double low, double high) {
    Interval interval = ConfidenceIntervals.wilson(successes, trials, 0.95).orElseThrow();
    assertEquals(low, interval.low(), 5e-5);
    assertEquals(high, interval.high(), 5e-5);
  }

  @Test
  void wilsonBoundsAreExactAtTheEdges() {
    assertEquals(0, ConfidenceIntervals.wilson(0, 20, 0.95).orElseThrow().low());
    assertEquals(1, ConfidenceIntervals.wilson(29, 29, 0.95).orElseThrow().high());
    assertTrue(ConfidenceIntervals.wilson(0, 0, 0.95).isEmpty());
    Interval wider = ConfidenceIntervals.wilson(81, 263, 0.99).orElseThrow();
    assertTrue(wider.low() < 0.2553 && wider.high() > 0.3662, "99 % is wider than 95 %");
  }

  /** Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10 (hybrid score). */
  @ParameterizedTest
  @CsvSource({
      "48, 80, 56, 70, 0.0524, 0.3339",
      "3, 10, 9, 10, 0.1705, 0.8090",
      "2, 7, 6, 7, 0.0582, 0.8062"})
  void differenceOfProportionsAsNewcombesTable(long sa, long na, long sb, long nb, double low, double high) {
    Interval interval = ConfidenceIntervals.proportionDifference(sa, na, sb, nb, 0.95).orElseThrow();
    assertEquals(low, interval.low(), 5e-5);
    assertEquals(high, interval.high(), 5e-5);
  }

  @Test
  void meanAndDifferenceOfMeansOnRsSleepData() {
    // R: t.test(sleep$extra[1:10]) -> mean 0.75, 95 % CI -0.5297804 2.0297804
    Interval mean = ConfidenceIntervals.mean(SignificanceTestsTest.SLEEP_1, 0.95).orElseThrow();
    assertEquals(-0.5297804, mean.low(), 5e-8);
    assertEquals(2.0297804, mean.high(), 5e-8);
    // R: t.test(extra ~ group, data = sleep) -> 95 % CI of group 1 - group 2: -3.3654832 0.2054832
    Interval difference = ConfidenceIntervals.meanDifference(SignificanceTestsTest.SLEEP_1,
        SignificanceTestsTest.SLEEP_2, 0.95).orElseThrow();
    assertEquals(-0.2054832, difference.low(), 5e-8);
    assertEquals(3.3654832, difference.high(), 5e-8);
  }

  @Test
  void meansWithTooFewRewardsOrNoVariance() {
    assertTrue(ConfidenceIntervals.mean(RewardStats.of(3), 0.95).isEmpty());
    assertEquals(new Interval(3, 3), ConfidenceIntervals.mean(RewardStats.of(3, 3, 3), 0.95).orElseThrow());
    assertEquals(new Interval(1, 1), ConfidenceIntervals.meanDifference(RewardStats.of(2, 2), RewardStats.of(3, 3), 0.95)
        .orElseThrow());
    assertTrue(ConfidenceIntervals.meanDifference(RewardStats.NONE, RewardStats.of(3, 3), 0.95).isEmpty());
  }

  @Test
  void confidenceMustBeAProbability() {
    assertThrows(IllegalArgumentException.class, () -> ConfidenceIntervals.wilson(1, 2, 1.0));
    assertThrows(IllegalArgumentException.class, () -> ConfidenceIntervals.mean(RewardStats.of(1, 2), 0));
  }
}

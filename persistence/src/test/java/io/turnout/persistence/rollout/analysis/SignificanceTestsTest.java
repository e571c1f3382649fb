package io.turnout.persistence.rollout.analysis;

import static io.turnout.persistence.rollout.analysis.SpecialFunctionsTest.assertRelative;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.rollout.RewardStats;
import org.junit.jupiter.api.Test;

class SignificanceTestsTest {
  /** R's {@code sleep} data: extra hours of sleep under two drugs. */
  static final RewardStats SLEEP_1 = RewardStats.of(0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0);
  static final RewardStats SLEEP_2 = RewardStats.of(1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4);

  @Test
  void welchOnRsSleepData() {
    // R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939
    TestResult result = SignificanceTests.welch(SLEEP_1, SLEEP_2).orElseThrow();
    assertEquals(1.8608, result.statistic(), 5e-5, "positive: the second arm is higher");
    assertEquals(17.776, result.degreesOfFreedom(), 5e-4);
    assertEquals(0.07939, result.pValue(), 5e-6);
    assertFalse(result.significantAt(0.95));
    assertEquals(result.pValue(), SignificanceTests.welch(SLEEP_2, SLEEP_1).orElseThrow().pValue(), 1e-15);
  }

  @Test
  void twoProportionZAsRsPropTestWithoutContinuityCorrection() {
    // R: prop.test(c(15, 25), c(50, 50), correct = FALSE) -> X-squared = 4.1667, p-value = 0.04123
    TestResult result = SignificanceTests.twoProportionZ(15, 50, 25, 50).orElseThrow();
    assertEquals(4.1667, result.statistic() * result.statistic(), 5e-5);
    assertRelative(0.04122683333716371, result.pValue(), 1e-12); // erfc(z / √2) in Python
    assertTrue(result.significantAt(0.95));
    assertFalse(result.significantAt(0.99));
    assertEquals(Double.POSITIVE_INFINITY, result.degreesOfFreedom());
    assertEquals(-result.statistic(), SignificanceTests.twoProportionZ(25, 50, 15, 50).orElseThrow().statistic(), 1e-15);
  }

  @Test
  void theIrisAccuraciesAreFarApartAfterAThousandRewardsEach() {
    RewardStats v1 = rewards(800, 1000);
    RewardStats v2 = rewards(970, 1000);
    TestResult result = SignificanceTests.twoProportionZ(v1, v2).orElseThrow();
    // z = 0.17 / sqrt(0.885 * 0.115 * 0.002) = 11.9155; p = erfc(z / √2) = 9.8e-33 (Python)
    assertEquals(11.915530098525315, result.statistic(), 1e-12);
    assertEquals(9.823937534187251e-33, result.pValue(), 1e-45);
    assertTrue(result.pValue() > 1e-33 && result.pValue() < 1e-31, "a tail far below 1e-16: " + result.pValue());
  }

  @Test
  void armsWithoutDataOrWithoutVariance() {
    assertTrue(SignificanceTests.twoProportionZ(0, 0, 5, 10).isEmpty(), "no trials in one arm");
    assertEquals(new TestResult(0, Double.POSITIVE_INFINITY, 1), SignificanceTests.twoProportionZ(0, 40, 0, 60).orElseThrow());
    assertEquals(new TestResult(0, Double.POSITIVE_INFINITY, 1), SignificanceTests.twoProportionZ(40, 40, 60, 60).orElseThrow());
    assertEquals(0, SignificanceTests.twoProportionZ(0, 40, 60, 60).orElseThrow().pValue(), 1e-15);

    assertTrue(SignificanceTests.welch(RewardStats.of(1.5), SLEEP_2).isEmpty(), "one reward has no variance estimate");
    assertTrue(SignificanceTests.welch(RewardStats.NONE, RewardStats.NONE).isEmpty());
    assertEquals(new TestResult(0, 4, 1), SignificanceTests.welch(RewardStats.of(2, 2, 2), RewardStats.of(2, 2, 2)).orElseThrow());
    TestResult constantApart = SignificanceTests.welch(RewardStats.of(2, 2, 2), RewardStats.of(3, 3, 3)).orElseThrow();
    assertEquals(Double.POSITIVE_INFINITY, constantApart.statistic());
    assertEquals(0, constantApart.pValue());
    // One constant arm: the other's variance alone, with its n - 1 degrees of freedom.
    TestResult oneConstant = SignificanceTests.welch(RewardStats.of(1, 1, 1, 1), SLEEP_2).orElseThrow();
    assertEquals(9, oneConstant.degreesOfFreedom(), 1e-12);
  }

  @Test
  void badCountsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> SignificanceTests.twoProportionZ(5, 4, 1, 2));
    assertThrows(IllegalArgumentException.class, () -> SignificanceTests.twoProportionZ(-1, 4, 1, 2));
  }

  @Test
  void binaryRewardsAreTheOnesWhoseSumIsTheirSumOfSquares() {
    assertTrue(SignificanceTests.binary(RewardStats.of(1, 0, 0, 1, 1)));
    assertTrue(SignificanceTests.binary(RewardStats.NONE));
    assertFalse(SignificanceTests.binary(RewardStats.of(1, 0.5)));
    assertFalse(SignificanceTests.binary(RewardStats.of(2, 2)));
  }

  static RewardStats rewards(long ones, long count) {
    return new RewardStats(count, ones, ones);
  }
}

package io.turnout.persistence.rollout.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.analysis.AbReport.Arm;
import io.turnout.persistence.rollout.analysis.AbReport.Comparison;
import io.turnout.persistence.rollout.analysis.AbReport.RewardTest;
import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AbReportTest {
  static final List<WeightedVersion> HALVES = List.of(new WeightedVersion(1, 5000), new WeightedVersion(2, 5000));

  /** {@code requests} answered, {@code errors} of them failed, latencies split between two values. */
  static VersionWindow window(long requests, long errors, long fastMicros, long slowMicros, long slowCount,
      RewardStats rewards) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    counts[LatencyHistogram.bucketOf(fastMicros)] += requests - slowCount;
    counts[LatencyHistogram.bucketOf(slowMicros)] += slowCount;
    return new VersionWindow(requests, errors, new LatencyHistogram(counts), rewards, ShadowStats.none());
  }

  static RewardStats ones(long ones, long count) {
    return new RewardStats(count, ones, ones);
  }

  @Test
  void conversionRatesOfTwoArmsWithZeroOneRewards() {
    // The Iris versions' accuracies as rewards: 80 % and 97 % of 1000 rewarded predictions each.
    AbReport report = AbReport.of(HALVES, 1, Map.of(
        1L, window(1200, 12, 2_000, 10_000, 20, ones(800, 1000)),
        2L, window(1180, 6, 2_000, 15_000, 20, ones(970, 1000))), 0.95);

    assertEquals(1, report.controlVersion());
    assertEquals(RewardTest.TWO_PROPORTION_Z, report.test());
    Arm control = report.arms().get(0);
    Arm candidate = report.arms().get(1);
    assertTrue(control.control());
    assertEquals(1200, control.requests());
    assertEquals(0.01, control.errorRate(), 1e-12);
    assertEquals(0.8, control.meanReward(), 1e-12);
    assertEquals(ConfidenceIntervals.wilson(800, 1000, 0.95), control.rewardInterval());
    assertEquals(LatencyHistogram.upperMicros(LatencyHistogram.bucketOf(2_000)), control.p50Micros());

    Comparison vs = candidate.vsControl().orElseThrow();
    assertEquals(0.17, vs.difference(), 1e-12);
    assertEquals(0.17 / 0.8, vs.relativeDifference(), 1e-12);
    assertEquals(SignificanceTests.twoProportionZ(800, 1000, 970, 1000), vs.test());
    assertEquals(ConfidenceIntervals.proportionDifference(800, 1000, 970, 1000, 0.95), vs.differenceInterval());
    assertTrue(vs.test().orElseThrow().pValue() < 1e-30);
    assertEquals(6.0 / 1180 - 0.01, vs.errorRateDifference(), 1e-12);
    assertEquals(LatencyHistogram.upperMicros(LatencyHistogram.bucketOf(15_000))
        / LatencyHistogram.upperMicros(LatencyHistogram.bucketOf(10_000)), vs.p99Ratio(), 1e-12);
    assertEquals(2, report.significantWinner().orElseThrow().version());
  }

  @Test
  void realValuedRewardsUseWelch() {
    AbReport report = AbReport.of(HALVES, 1, Map.of(
        1L, window(10, 0, 1_000, 1_000, 0, SignificanceTestsTest.SLEEP_1),
        2L, window(10, 0, 1_000, 1_000, 0, SignificanceTestsTest.SLEEP_2)), 0.95);
    assertEquals(RewardTest.WELCH_T, report.test());
    Comparison vs = report.arms().get(1).vsControl().orElseThrow();
    assertEquals(0.07939, vs.test().orElseThrow().pValue(), 5e-6, "R's t.test on the sleep data");
    assertEquals(ConfidenceIntervals.mean(SignificanceTestsTest.SLEEP_2, 0.95), report.arms().get(1).rewardInterval());
    assertFalse(vs.significantAt(0.95));
    assertTrue(report.significantWinner().isEmpty(), "p = 0.079 is no winner at 95 %");
  }

  @Test
  void oneArmWithRealRewardsMakesEveryComparisonWelch() {
    AbReport report = AbReport.of(HALVES, 1, Map.of(
        1L, window(10, 0, 1_000, 1_000, 0, RewardStats.of(1, 0, 1, 1)),
        2L, window(10, 0, 1_000, 1_000, 0, RewardStats.of(0.5, 1, 0.25))), 0.95);
    assertEquals(RewardTest.WELCH_T, report.test());
  }

  @Test
  void theFirstArmIsTheControlWhenStableIsNotAnArm() {
    List<WeightedVersion> arms = List.of(new WeightedVersion(3, 3000), new WeightedVersion(2, 3000),
        new WeightedVersion(4, 4000));
    AbReport report = AbReport.of(arms, 1, Map.of(
        2L, window(100, 0, 1_000, 1_000, 0, ones(60, 100)),
        3L, window(100, 0, 1_000, 1_000, 0, ones(50, 100)),
        4L, window(100, 0, 1_000, 1_000, 0, ones(40, 100))), 0.95);
    assertEquals(3, report.controlVersion());
    assertEquals(List.of(3L, 2L, 4L), report.arms().stream().map(Arm::version).toList(), "in routing order");
    assertEquals(List.of(3000, 3000, 4000), report.arms().stream().map(Arm::basisPoints).toList());
    assertEquals(0.1, report.arms().get(1).vsControl().orElseThrow().difference(), 1e-12);
    assertEquals(-0.1, report.arms().get(2).vsControl().orElseThrow().difference(), 1e-12);
  }

  @Test
  void beforeAnyRewardOrTraffic() {
    AbReport report = AbReport.of(HALVES, 1, Map.of(), 0.95);
    assertEquals(RewardTest.NONE, report.test());
    Arm arm = report.arms().get(1);
    assertEquals(0, arm.requests());
    assertTrue(Double.isNaN(arm.meanReward()));
    assertTrue(arm.rewardInterval().isEmpty());
    Comparison vs = arm.vsControl().orElseThrow();
    assertTrue(Double.isNaN(vs.difference()) && Double.isNaN(vs.relativeDifference()) && Double.isNaN(vs.p99Ratio()));
    assertTrue(vs.test().isEmpty() && vs.differenceInterval().isEmpty());
    assertEquals(0, vs.errorRateDifference());
    assertTrue(report.significantWinner().isEmpty());
  }

  @Test
  void oneArmWithoutRewardsYet() {
    AbReport report = AbReport.of(HALVES, 1, Map.of(1L, window(50, 0, 1_000, 1_000, 0, ones(30, 40)),
        2L, window(50, 0, 1_000, 1_000, 0, RewardStats.NONE)), 0.95);
    assertEquals(RewardTest.TWO_PROPORTION_Z, report.test());
    assertTrue(report.arms().get(1).vsControl().orElseThrow().test().isEmpty());
    assertTrue(report.arms().get(0).rewardInterval().isPresent());
  }

  @Test
  void aControlWhoseMeanIsZeroHasNoRelativeDifference() {
    AbReport report = AbReport.of(HALVES, 1, Map.of(1L, window(50, 0, 1_000, 1_000, 0, ones(0, 40)),
        2L, window(50, 0, 1_000, 1_000, 0, ones(4, 40))), 0.95);
    Comparison vs = report.arms().get(1).vsControl().orElseThrow();
    assertEquals(0.1, vs.difference(), 1e-12);
    assertTrue(Double.isNaN(vs.relativeDifference()));
  }

  @Test
  void fromAnAbPhase() {
    PhaseSpec.AbTest spec = new PhaseSpec.AbTest(List.of(new WeightedVersion(2, 2000), new WeightedVersion(1, 8000)),
        List.of(), io.turnout.protocol.rollout.Gate.DEFAULT);
    AbReport report = AbReport.of(spec, 1, Map.of());
    assertEquals(1, report.controlVersion(), "stable, though written second");
    assertEquals(AbReport.DEFAULT_CONFIDENCE, report.confidence());
    assertThrows(IllegalArgumentException.class, () -> AbReport.of(List.of(), 1, Map.of(), 0.95));
    assertThrows(IllegalArgumentException.class, () -> AbReport.of(HALVES, 1, Map.of(), 95));
  }
}

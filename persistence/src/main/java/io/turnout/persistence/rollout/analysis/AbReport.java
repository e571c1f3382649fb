package io.turnout.persistence.rollout.analysis;

import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an A/B test has shown so far, arm by arm: traffic, errors and latency, the rewards clients
 * posted and their mean (the conversion rate when rewards are 0/1) with a confidence interval, and
 * for every arm but the control the difference from the control with its interval and p-value.
 * The control is the stable version when it is an arm, else the first arm. Rewards are compared
 * with the two-proportion z-test when every arm's rewards are 0 or 1, else with Welch's t-test;
 * intervals follow the test (Wilson and Newcombe, or t and Welch). Each comparison is one test
 * against the control: with more than two arms, judge them against 1 - confidence divided by the
 * number of comparisons (Bonferroni). Pure: windows in, report out.
 */
public record AbReport(long controlVersion, RewardTest test, double confidence, List<Arm> arms) {

  public AbReport {
    arms = List.copyOf(arms);
  }

  /** How rewards are compared. */
  public enum RewardTest {
    TWO_PROPORTION_Z("two-proportion z-test"),
    WELCH_T("Welch's t-test"),
    /** No arm has a reward yet. */
    NONE("none");

    private final String label;

    RewardTest(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * One arm: its share of the split, what it served, and its rewards. {@code rewardInterval} is
   * empty until it has enough rewards (one for Wilson, two for t); {@code vsControl} is empty for
   * the control itself.
   */
  public record Arm(
      long version,
      int basisPoints,
      long requests,
      long errors,
      double p50Micros,
      double p99Micros,
      RewardStats rewards,
      Optional<Interval> rewardInterval,
      Optional<Comparison> vsControl) {

    public double errorRate() {
      return requests == 0 ? 0 : (double) errors / requests;
    }

    /** The mean reward (the conversion rate of 0/1 rewards), NaN without rewards. */
    public double meanReward() {
      return rewards.count() == 0 ? Double.NaN : rewards.mean();
    }

    public boolean control() {
      return vsControl.isEmpty();
    }
  }

  /**
   * An arm against the control: the difference of mean rewards (arm minus control) and its
   * interval, the relative difference (NaN when the control's mean is 0 or unknown), the test
   * (empty while either arm has too few rewards), the error-rate difference in points (0.01 = one
   * point) and the ratio of p99 latencies (NaN while the control has none).
   */
  public record Comparison(
      double difference,
      Optional<Interval> differenceInterval,
      double relativeDifference,
      Optional<TestResult> test,
      double errorRateDifference,
      double p99Ratio) {

    public boolean significantAt(double confidence) {
      return test.map(result -> result.significantAt(confidence)).orElse(false);
    }
  }

  public static final double DEFAULT_CONFIDENCE = 0.95;

  /** The report of an A/B phase from the windows since it began. */
  public static AbReport of(PhaseSpec.AbTest spec, long stableVersion, Map<Long, VersionWindow> windows) {
    return of(spec.arms(), stableVersion, windows, DEFAULT_CONFIDENCE);
  }

  /** The report of {@code arms} (two or more, in their routing order) from their windows. */
  public static AbReport of(List<WeightedVersion> arms, long stableVersion, Map<Long, VersionWindow> windows,
      double confidence) {
    ConfidenceIntervals.checkConfidence(confidence);
    if (arms.isEmpty()) throw new IllegalArgumentException("an A/B report needs arms");
    long control = arms.stream().anyMatch(arm -> arm.version() == stableVersion) ? stableVersion : arms.get(0).version();
    VersionWindow controlWindow = windows.getOrDefault(control, VersionWindow.empty());
    boolean anyRewards = arms.stream().anyMatch(arm -> rewardsOf(windows, arm.version()).count() > 0);
    boolean binary = arms.stream().allMatch(arm -> SignificanceTests.binary(rewardsOf(windows, arm.version())));
    RewardTest test = !anyRewards ? RewardTest.NONE : binary ? RewardTest.TWO_PROPORTION_Z : RewardTest.WELCH_T;
    List<Arm> reports = new ArrayList<>();
    for (WeightedVersion arm : arms) {
      VersionWindow window = windows.getOrDefault(arm.version(), VersionWindow.empty());
      Optional<Comparison> comparison = arm.version() == control ? Optional.empty()
          : Optional.of(compare(controlWindow, window, binary, confidence));
      reports.add(new Arm(arm.version(), arm.basisPoints(), window.requests(), window.errors(),
          window.latency().quantileMicros(0.5), window.p99Micros(), window.rewards(),
          interval(window.rewards(), binary, confidence), comparison));
    }
    return new AbReport(control, test, confidence, reports);
  }

  /** The arm that is not the control and whose mean reward is highest, with a difference significant at the report's confidence. */
  public Optional<Arm> significantWinner() {
    return arms.stream()
        .filter(arm -> arm.vsControl().map(c -> c.difference() > 0 && c.significantAt(confidence)).orElse(false))
        .max((a, b) -> Double.compare(a.meanReward(), b.meanReward()));
  }

  private static RewardStats rewardsOf(Map<Long, VersionWindow> windows, long version) {
    return windows.getOrDefault(version, VersionWindow.empty()).rewards();
  }

  private static Optional<Interval> interval(RewardStats rewards, boolean binary, double confidence) {
    return binary ? ConfidenceIntervals.wilson(Math.round(rewards.sum()), rewards.count(), confidence)
        : ConfidenceIntervals.mean(rewards, confidence);
  }

  private static Comparison compare(VersionWindow control, VersionWindow arm, boolean binary, double confidence) {
    RewardStats a = control.rewards();
    RewardStats b = arm.rewards();
    boolean both = a.count() > 0 && b.count() > 0;
    double difference = both ? b.mean() - a.mean() : Double.NaN;
    double relative = both && a.mean() != 0 ? difference / Math.abs(a.mean()) : Double.NaN;
    Optional<Interval> differenceInterval = binary
        ? ConfidenceIntervals.proportionDifference(Math.round(a.sum()), a.count(), Math.round(b.sum()), b.count(), confidence)
        : ConfidenceIntervals.meanDifference(a, b, confidence);
    Optional<TestResult> test = binary ? SignificanceTests.twoProportionZ(a, b) : SignificanceTests.welch(a, b);
    double controlP99 = control.p99Micros();
    double p99Ratio = controlP99 == 0 || arm.requests() == 0 ? Double.NaN : arm.p99Micros() / controlP99;
    return new Comparison(difference, differenceInterval, relative, test, arm.errorRate() - control.errorRate(), p99Ratio);
  }
}

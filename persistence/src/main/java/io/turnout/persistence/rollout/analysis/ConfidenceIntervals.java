package io.turnout.persistence.rollout.analysis;

import io.turnout.protocol.rollout.RewardStats;
import java.util.Optional;

/**
 * Two-sided confidence intervals at a confidence level such as 0.95: Wilson's score interval for a
 * proportion (good also near 0 and 1 and for small samples, where the textbook Wald interval
 * fails), the t interval for a mean, and the matching intervals for a difference between arms:
 * Newcombe's hybrid score interval (his method 10) for proportions, Welch's for means. Each is
 * empty when there is too little data for one.
 */
public final class ConfidenceIntervals {
  private ConfidenceIntervals() {}

  /** The two-sided critical value z with P(|Z| ≤ z) = confidence. */
  static double z(double confidence) {
    checkConfidence(confidence);
    return Normal.quantile(0.5 + confidence / 2);
  }

  /** Wilson's score interval for successes out of trials; empty without trials. */
  public static Optional<Interval> wilson(long successes, long trials, double confidence) {
    SignificanceTests.checkCounts(successes, trials);
    double z = z(confidence);
    if (trials == 0) return Optional.empty();
    double n = trials;
    double p = successes / n;
    double z2 = z * z;
    double denominator = 1 + z2 / n;
    double center = (p + z2 / (2 * n)) / denominator;
    double half = z / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    // The bounds are exactly 0 and 1 at 0 and n successes; rounding must not push them past.
    double low = successes == 0 ? 0 : Math.max(0, center - half);
    double high = successes == trials ? 1 : Math.min(1, center + half);
    return Optional.of(new Interval(low, high));
  }

  /** mean ± t(ν = n - 1) · s / √n; empty with fewer than two rewards. */
  public static Optional<Interval> mean(RewardStats stats, double confidence) {
    checkConfidence(confidence);
    if (stats.count() < 2) return Optional.empty();
    double half = StudentT.quantile(0.5 + confidence / 2, stats.count() - 1) * Math.sqrt(stats.variance() / stats.count());
    return Optional.of(new Interval(stats.mean() - half, stats.mean() + half));
  }

  /**
   * Newcombe's hybrid score interval for p_b - p_a from each arm's Wilson interval [l, u]:
   * d - √((p_b - l_b)² + (u_a - p_a)²) to d + √((u_b - p_b)² + (p_a - l_a)²). Empty when an arm
   * has no trials.
   */
  public static Optional<Interval> proportionDifference(long successesA, long trialsA, long successesB, long trialsB,
      double confidence) {
    Optional<Interval> a = wilson(successesA, trialsA, confidence);
    Optional<Interval> b = wilson(successesB, trialsB, confidence);
    if (a.isEmpty() || b.isEmpty()) return Optional.empty();
    double pa = (double) successesA / trialsA;
    double pb = (double) successesB / trialsB;
    double d = pb - pa;
    double below = Math.hypot(pb - b.get().low(), a.get().high() - pa);
    double above = Math.hypot(b.get().high() - pb, pa - a.get().low());
    return Optional.of(new Interval(Math.max(-1, d - below), Math.min(1, d + above)));
  }

  /** Welch's interval for m_b - m_a: d ± t(ν) · √(s_a²/n_a + s_b²/n_b); empty when an arm has fewer than two rewards. */
  public static Optional<Interval> meanDifference(RewardStats a, RewardStats b, double confidence) {
    checkConfidence(confidence);
    if (a.count() < 2 || b.count() < 2) return Optional.empty();
    double va = a.variance() / a.count();
    double vb = b.variance() / b.count();
    double d = b.mean() - a.mean();
    if (va + vb == 0) return Optional.of(new Interval(d, d));
    double dof = SignificanceTests.welchDegreesOfFreedom(va, a.count(), vb, b.count());
    double half = StudentT.quantile(0.5 + confidence / 2, dof) * Math.sqrt(va + vb);
    return Optional.of(new Interval(d - half, d + half));
  }

  static void checkConfidence(double confidence) {
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be within (0, 1), got " + confidence);
    }
  }
}

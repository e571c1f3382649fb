package io.turnout.persistence.rollout.analysis;

import io.turnout.protocol.rollout.RewardStats;
import java.util.Optional;

/**
 * Two-sided tests of the difference between a control arm {@code a} and an arm {@code b}: the
 * two-proportion z-test (pooled variance) for 0/1 rewards and Welch's unequal-variance t-test for
 * real-valued ones. Each is empty when the arms have too few rewards to test at all.
 */
public final class SignificanceTests {
  private SignificanceTests() {}

  /**
   * Whether every reward in {@code stats} was 0 or 1, as far as its sums tell: for rewards within
   * [0, 1] the sum equals the sum of squares exactly when each is 0 or 1.
   */
  public static boolean binary(RewardStats stats) {
    return stats.sum() == stats.sumOfSquares() && stats.sum() >= 0 && stats.sum() <= stats.count()
        && stats.sum() == Math.rint(stats.sum());
  }

  /**
   * z = (p_b - p_a) / √(p (1 - p) (1/n_a + 1/n_b)) with p the pooled proportion; empty when an arm
   * has no trials. Two arms that are both all-0 or all-1 differ by nothing: z = 0, p = 1.
   */
  public static Optional<TestResult> twoProportionZ(long successesA, long trialsA, long successesB, long trialsB) {
    checkCounts(successesA, trialsA);
    checkCounts(successesB, trialsB);
    if (trialsA == 0 || trialsB == 0) return Optional.empty();
    double pa = (double) successesA / trialsA;
    double pb = (double) successesB / trialsB;
    double pooled = (double) (successesA + successesB) / (trialsA + trialsB);
    double variance = pooled * (1 - pooled) * (1.0 / trialsA + 1.0 / trialsB);
    if (variance == 0) return Optional.of(new TestResult(0, Double.POSITIVE_INFINITY, 1));
    double z = (pb - pa) / Math.sqrt(variance);
    return Optional.of(new TestResult(z, Double.POSITIVE_INFINITY, Normal.twoSidedP(z)));
  }

  /** The z-test on two arms of 0/1 rewards: successes are the reward sums. */
  public static Optional<TestResult> twoProportionZ(RewardStats a, RewardStats b) {
    return twoProportionZ(Math.round(a.sum()), a.count(), Math.round(b.sum()), b.count());
  }

  /**
   * t = (m_b - m_a) / √(s_a²/n_a + s_b²/n_b) with Welch–Satterthwaite degrees of freedom
   * (s_a²/n_a + s_b²/n_b)² / ((s_a²/n_a)²/(n_a - 1) + (s_b²/n_b)²/(n_b - 1)); empty when an arm has
   * fewer than two rewards. Two constant arms: p = 1 when their means are equal, else t is infinite
   * and p = 0.
   */
  public static Optional<TestResult> welch(RewardStats a, RewardStats b) {
    if (a.count() < 2 || b.count() < 2) return Optional.empty();
    double va = a.variance() / a.count();
    double vb = b.variance() / b.count();
    double difference = b.mean() - a.mean();
    double se2 = va + vb;
    if (se2 == 0) {
      if (difference == 0) return Optional.of(new TestResult(0, a.count() + b.count() - 2, 1));
      return Optional.of(new TestResult(Math.copySign(Double.POSITIVE_INFINITY, difference), a.count() + b.count() - 2, 0));
    }
    double dof = welchDegreesOfFreedom(va, a.count(), vb, b.count());
    double t = difference / Math.sqrt(se2);
    return Optional.of(new TestResult(t, dof, StudentT.twoSidedP(t, dof)));
  }

  /** Welch–Satterthwaite degrees of freedom from each arm's squared standard error s²/n. */
  static double welchDegreesOfFreedom(double squaredErrorA, long countA, double squaredErrorB, long countB) {
    double sum = squaredErrorA + squaredErrorB;
    return sum * sum / (squaredErrorA * squaredErrorA / (countA - 1) + squaredErrorB * squaredErrorB / (countB - 1));
  }

  static void checkCounts(long successes, long trials) {
    if (trials < 0 || successes < 0 || successes > trials) {
      throw new IllegalArgumentException("need 0 <= successes <= trials, got " + successes + " of " + trials);
    }
  }
}

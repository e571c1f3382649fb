package io.turnout.persistence.rollout.bandit;

/**
 * Two-sided confidence intervals of an arm's mean reward: Wilson score intervals for 0/1 rewards
 * (honest near 0 and 1, where a 0.97 arm lives), and the normal approximation with the arm's sample
 * standard deviation for real-valued ones. An arm with too few rewards to say anything has the
 * whole real line as its interval.
 */
public final class ConfidenceBounds {
  private ConfidenceBounds() {}

  /** An interval of the mean reward. */
  public record Interval(double lower, double upper) {}

  static final Interval UNKNOWN = new Interval(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);

  /** The interval of {@code arm}'s mean at {@code confidence} (such as 0.95), for rewards of {@code kind}. */
  public static Interval of(Arm arm, RewardKind kind, double confidence) {
    double z = z(confidence);
    long n = arm.count();
    if (kind == RewardKind.BINARY) {
      if (n == 0) return UNKNOWN;
      double p = arm.mean();
      double z2n = z * z / n;
      double center = (p + z2n / 2) / (1 + z2n);
      double half = z * Math.sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
      return new Interval(center - half, center + half);
    }
    if (n < 2) return UNKNOWN;
    double half = z * Math.sqrt(arm.rewards().variance() / n);
    return new Interval(arm.mean() - half, arm.mean() + half);
  }

  /** The two-sided standard normal quantile for {@code confidence}: 1.96 for 0.95. */
  public static double z(double confidence) {
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be within (0, 1), got " + confidence);
    }
    return normalQuantile((1 + confidence) / 2);
  }

  /**
   * The standard normal quantile of {@code p}, by Acklam's rational approximation (relative error
   * below 1.2e-9): plenty for a decision threshold, and no library for one function.
   */
  static double normalQuantile(double p) {
    if (!(p > 0 && p < 1)) throw new IllegalArgumentException("p must be within (0, 1), got " + p);
    final double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    final double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01};
    final double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    final double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
        3.754408661907416e+00};
    double low = 0.02425;
    if (p < low) {
      double q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - low) return -normalQuantile(1 - p);
    double q = p - 0.5;
    double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
}

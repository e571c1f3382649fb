package io.turnout.persistence.rollout.analysis;

/**
 * Student's t distribution with ν > 0 degrees of freedom, fractional ones included (Welch's test
 * has them): P(|T| ≥ |t|) = I_x(ν/2, 1/2) with x = ν/(ν + t²), through
 * {@link SpecialFunctions#regularizedBeta}. Beyond 1e10 degrees of freedom it is the normal
 * distribution to within 1e-10.
 */
public final class StudentT {
  private StudentT() {}

  private static final double NORMAL_BEYOND = 1e10;

  /** P(T ≥ |t|): the one-sided tail beyond |t|. */
  private static double tailBeyond(double t, double dof) {
    double square = t * t;
    if (Double.isInfinite(square)) return 0;
    double sum = dof + square;
    // x and its complement each from their own ratio: 1 - x would lose t² when it is small next to ν.
    return 0.5 * SpecialFunctions.regularizedBeta(dof / sum, square / sum, dof / 2, 0.5, false);
  }

  /** P(T ≤ t). */
  public static double cdf(double t, double dof) {
    if (Double.isNaN(t) || !(dof > 0)) return Double.NaN;
    if (dof > NORMAL_BEYOND) return Normal.cdf(t);
    double tail = tailBeyond(t, dof);
    return t < 0 ? tail : 1 - tail;
  }

  /** P(T > t), precise also where it is tiny. */
  public static double upperTail(double t, double dof) {
    if (Double.isNaN(t) || !(dof > 0)) return Double.NaN;
    if (dof > NORMAL_BEYOND) return Normal.upperTail(t);
    double tail = tailBeyond(t, dof);
    return t > 0 ? tail : 1 - tail;
  }

  /** P(|T| ≥ |t|): the two-sided p-value of a t statistic. */
  public static double twoSidedP(double t, double dof) {
    if (Double.isNaN(t) || !(dof > 0)) return Double.NaN;
    if (dof > NORMAL_BEYOND) return Normal.twoSidedP(t);
    return Math.min(1, 2 * tailBeyond(t, dof));
  }

  /** The density at t. */
  public static double density(double t, double dof) {
    if (Double.isNaN(t) || !(dof > 0)) return Double.NaN;
    if (dof > NORMAL_BEYOND) return Normal.density(t);
    return Math.exp(-SpecialFunctions.logBeta(dof / 2, 0.5) - 0.5 * Math.log(dof)
        - (dof + 1) / 2 * Math.log1p(t * t / dof));
  }

  /**
   * The t with P(T ≤ t) = p, for 0 < p < 1: exact for ν = 1 and 2, else Newton's method on the log
   * of the tail from the normal quantile, kept inside a shrinking bracket by bisection.
   */
  public static double quantile(double p, double dof) {
    if (Double.isNaN(p) || p < 0 || p > 1 || !(dof > 0)) return Double.NaN;
    if (p == 0) return Double.NEGATIVE_INFINITY;
    if (p == 1) return Double.POSITIVE_INFINITY;
    if (p == 0.5) return 0;
    if (dof > NORMAL_BEYOND) return Normal.quantile(p);
    double tail = Math.min(p, 1 - p);
    double t;
    if (dof == 1) {
      t = Math.tan(Math.PI * (0.5 - tail));
    } else if (dof == 2) {
      t = (1 - 2 * tail) / Math.sqrt(2 * tail * (1 - tail));
    } else {
      t = positiveQuantileOfTail(tail, dof);
    }
    return p < 0.5 ? -t : t;
  }

  /** The t ≥ 0 with P(T > t) = tail, for 0 < tail < 1/2. */
  private static double positiveQuantileOfTail(double tail, double dof) {
    double low = 0;
    double high = Math.max(1, -Normal.quantile(tail));
    while (tailBeyond(high, dof) > tail) {
      low = high;
      high *= 2;
      if (Double.isInfinite(high)) return Double.POSITIVE_INFINITY;
    }
    double target = Math.log(tail);
    double t = Math.min(Math.max(-Normal.quantile(tail), low), high);
    for (int i = 0; i < 300; i++) {
      double current = tailBeyond(t, dof);
      double gap = Math.log(current) - target;
      if (gap > 0) low = t;
      else high = t;
      // d/dt ln P(T > t) = -density / tail
      double step = gap * current / density(t, dof);
      double next = t + step;
      if (!(next > low && next < high)) next = 0.5 * (low + high);
      if (Math.abs(next - t) <= 1e-15 * Math.max(1, Math.abs(next)) || high - low <= 1e-15 * high) return next;
      t = next;
    }
    return t;
  }
}

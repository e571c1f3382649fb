package io.turnout.persistence.rollout.analysis;

/**
 * The standard normal distribution: its cumulative distribution, upper tail and quantile.
 *
 * <p>The upper tail Q(x) = 1 - Φ(x) comes from Marsaglia's series Φ(x) = 1/2 + φ(x) (x + x³/3 +
 * x⁵/(3·5) + …) below 1.5 and from Laplace's continued fraction φ(x) / (x + 1/(x + 2/(x + 3/(x + …))))
 * above, so tails keep their relative precision until they underflow (near x = 38). The quantile is
 * Wichura's algorithm AS 241 (PPND16), exact to about 1e-16.
 */
public final class Normal {
  private Normal() {}

  private static final double LOG_SQRT_TWO_PI = 0.9189385332046727417803297;
  /** Below, the series cancels less than the fraction takes iterations (180 at 1.5); above, the reverse. */
  private static final double SERIES_BELOW = 1.5;

  /** The density φ(x). */
  public static double density(double x) {
    return Math.exp(-0.5 * x * x - LOG_SQRT_TWO_PI);
  }

  /** Φ(x) = P(Z ≤ x). */
  public static double cdf(double x) {
    if (Double.isNaN(x)) return Double.NaN;
    return x < 0 ? upperTail(-x) : 1 - upperTail(x);
  }

  /** Q(x) = P(Z > x), precise also where it is tiny. */
  public static double upperTail(double x) {
    if (Double.isNaN(x)) return Double.NaN;
    if (x < 0) return 1 - upperTail(-x);
    if (x < SERIES_BELOW) return 0.5 - density(x) * marsagliaSeries(x);
    if (x > 40) return 0;
    return density(x) / laplaceFraction(x);
  }

  /** P(|Z| ≥ |z|): the two-sided p-value of a z statistic. */
  public static double twoSidedP(double z) {
    if (Double.isNaN(z)) return Double.NaN;
    return Math.min(1, 2 * upperTail(Math.abs(z)));
  }

  /** x + x³/3 + x⁵/(3·5) + …, whose terms shrink once 2n + 1 exceeds x². */
  private static double marsagliaSeries(double x) {
    double square = x * x;
    double term = x;
    double sum = x;
    for (int n = 3; n < 1000; n += 2) {
      term *= square / n;
      double next = sum + term;
      if (next == sum) return sum;
      sum = next;
    }
    return sum;
  }

  /** x + 1/(x + 2/(x + 3/(x + …))), evaluated by the modified Lentz method. */
  private static double laplaceFraction(double x) {
    double tiny = 1e-300;
    double f = x;
    double c = x;
    double d = 0;
    for (int k = 1; k < 10_000; k++) {
      d = x + k * d;
      if (d == 0) d = tiny;
      c = x + k / c;
      if (c == 0) c = tiny;
      d = 1 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) return f;
    }
    return f;
  }

  /** The x with Φ(x) = p, for 0 < p < 1 (±infinity at 0 and 1, NaN outside). */
  public static double quantile(double p) {
    if (Double.isNaN(p) || p < 0 || p > 1) return Double.NaN;
    if (p == 0) return Double.NEGATIVE_INFINITY;
    if (p == 1) return Double.POSITIVE_INFINITY;
    double q = p - 0.5;
    if (Math.abs(q) <= 0.425) {
      double r = 0.180625 - q * q;
      double num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r + 6.7265770927008700853e+4) * r
          + 4.5921953931549871457e+4) * r + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
          + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q;
      double den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r + 3.9307895800092710610e+4) * r
          + 2.1213794301586595867e+4) * r + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
          + 4.2313330701600911252e+1) * r + 1.0);
      return num / den;
    }
    double r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
    double num;
    double den;
    if (r <= 5) {
      r -= 1.6;
      num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1) * r
          + 1.27045825245236838258e+0) * r + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
          + 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0);
      den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2) * r
          + 1.48103976427480074590e-1) * r + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
          + 2.05319162663775882187e+0) * r + 1.0);
    } else {
      r -= 5;
      num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3) * r
          + 2.65321895265761230930e-2) * r + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
          + 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0);
      den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5) * r
          + 7.86869131145613259100e-4) * r + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
          + 5.99832206555887937690e-1) * r + 1.0);
    }
    double x = num / den;
    return q < 0 ? -x : x;
  }
}

package io.turnout.persistence.rollout.analysis;

/**
 * A number as the unevaluated sum of two doubles, good to about 32 digits (Dekker's and Knuth's
 * error-free transformations, {@link Math#fma} for products). Only for the few loops that cancel
 * in double precision.
 */
record DoubleDouble(double hi, double lo) {

  static final DoubleDouble ONE = new DoubleDouble(1, 0);

  static DoubleDouble of(double value) {
    return new DoubleDouble(value, 0);
  }

  /** {@code a - b} exactly. */
  static DoubleDouble difference(double a, double b) {
    return twoSum(a, -b);
  }

  private static DoubleDouble twoSum(double a, double b) {
    double sum = a + b;
    double bPart = sum - a;
    return new DoubleDouble(sum, (a - (sum - bPart)) + (b - bPart));
  }

  /** For |a| ≥ |b|. */
  private static DoubleDouble quickTwoSum(double a, double b) {
    double sum = a + b;
    return new DoubleDouble(sum, b - (sum - a));
  }

  DoubleDouble plus(DoubleDouble other) {
    DoubleDouble high = twoSum(hi, other.hi);
    DoubleDouble low = twoSum(lo, other.lo);
    DoubleDouble partial = quickTwoSum(high.hi, high.lo + low.hi);
    return quickTwoSum(partial.hi, partial.lo + low.lo);
  }

  DoubleDouble plus(double other) {
    DoubleDouble high = twoSum(hi, other);
    return quickTwoSum(high.hi, high.lo + lo);
  }

  DoubleDouble times(DoubleDouble other) {
    double product = hi * other.hi;
    double error = Math.fma(hi, other.hi, -product) + (hi * other.lo + lo * other.hi);
    return quickTwoSum(product, error);
  }

  DoubleDouble dividedBy(DoubleDouble other) {
    double first = hi / other.hi;
    DoubleDouble rest = plus(other.times(of(-first)));
    double second = rest.hi / other.hi;
    DoubleDouble rest2 = rest.plus(other.times(of(-second)));
    double third = rest2.hi / other.hi;
    return quickTwoSum(first, second).plus(third);
  }

  DoubleDouble negate() {
    return new DoubleDouble(-hi, -lo);
  }

  double value() {
    return hi + lo;
  }
}

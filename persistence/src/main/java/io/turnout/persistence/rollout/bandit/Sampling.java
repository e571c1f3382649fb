package io.turnout.persistence.rollout.bandit;

import java.util.random.RandomGenerator;

/** Draws from the posteriors Thompson sampling needs, from an injected generator so that tests can seed it. */
final class Sampling {
  private Sampling() {}

  /** A draw from Beta(a, b), as X / (X + Y) with X ~ Gamma(a) and Y ~ Gamma(b). */
  static double beta(double a, double b, RandomGenerator random) {
    double x = gamma(a, random);
    double y = gamma(b, random);
    return x / (x + y);
  }

  /** A draw from Gamma(shape, 1): Marsaglia and Tsang's method (2000), boosted below shape 1. */
  static double gamma(double shape, RandomGenerator random) {
    if (shape <= 0) throw new IllegalArgumentException("gamma shape must be positive, got " + shape);
    if (shape < 1) return gamma(shape + 1, random) * Math.pow(random.nextDouble(), 1 / shape);
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = random.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      double u = random.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  static double normal(double mean, double sd, RandomGenerator random) {
    return mean + sd * random.nextGaussian();
  }
}

package io.turnout.persistence.rollout.analysis;

/** A confidence interval [low, high]. */
public record Interval(double low, double high) {
  public Interval {
    if (Double.isNaN(low) || Double.isNaN(high) || low > high) {
      throw new IllegalArgumentException("not an interval: [" + low + ", " + high + "]");
    }
  }

  public boolean contains(double value) {
    return value >= low && value <= high;
  }
}

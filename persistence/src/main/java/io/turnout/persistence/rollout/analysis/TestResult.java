package io.turnout.persistence.rollout.analysis;

/**
 * The outcome of a two-sided test of a difference between two arms: the statistic (z or t, positive
 * when the second arm is higher; infinite when both arms are constant and differ), its degrees of
 * freedom (infinite for a z statistic) and the p-value.
 */
public record TestResult(double statistic, double degreesOfFreedom, double pValue) {

  /** Whether the difference is significant at {@code confidence}: p below 1 - confidence. */
  public boolean significantAt(double confidence) {
    return pValue < 1 - confidence;
  }
}

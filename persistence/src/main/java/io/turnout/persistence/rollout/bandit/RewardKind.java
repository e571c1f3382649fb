package io.turnout.persistence.rollout.bandit;

import java.util.List;

/**
 * What the rewards are, read from the rewards themselves so that plans need not say: {@link #BINARY}
 * when every reward so far is 0 or 1 (a click, a correct answer), else {@link #REAL}. A reward r in
 * [0, 1] has r² = r only at 0 and 1, so rewards within [0, 1] are all 0 or 1 exactly when each
 * arm's sum equals its sum of squares (both exact in floating point for whole numbers). Clients that
 * post rewards outside [0, 1] could, in theory, hit that equality by chance (eight 0.5s and one 2);
 * such rewards are then read as binary, which keeps each arm's mean right and only narrows its spread.
 */
public enum RewardKind {
  /** 0/1 rewards: Beta posteriors, Wilson intervals, and UCB1 with the range [0, 1]. */
  BINARY,
  /** Real-valued rewards: Normal posteriors and intervals, UCB1 scaled by the rewards' spread. */
  REAL;

  public static RewardKind of(List<Arm> arms) {
    for (Arm arm : arms) {
      double sum = arm.rewards().sum();
      if (sum != arm.rewards().sumOfSquares() || sum < 0 || sum > arm.count() || sum != Math.rint(sum)) return REAL;
    }
    return BINARY;
  }
}

package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;

/**
 * Rewards that clients posted for one version's predictions: how many, their sum and their sum of
 * squares, which is all a mean, a variance, a Beta posterior (0/1 rewards) or a Welch test needs.
 * Sums merge by adding, so edges' windows add up at the coordinator.
 */
public record RewardStats(long count, double sum, double sumOfSquares) implements ClusterMessage {

  public static final RewardStats NONE = new RewardStats(0, 0, 0);

  public RewardStats {
    if (count < 0) throw new IllegalArgumentException("reward count must not be negative, got " + count);
  }

  public static RewardStats of(double... rewards) {
    RewardStats stats = NONE;
    for (double reward : rewards) stats = stats.with(reward);
    return stats;
  }

  public RewardStats with(double reward) {
    return new RewardStats(count + 1, sum + reward, sumOfSquares + reward * reward);
  }

  public RewardStats plus(RewardStats other) {
    return new RewardStats(count + other.count, sum + other.sum, sumOfSquares + other.sumOfSquares);
  }

  /** The mean reward, 0 with no rewards. */
  public double mean() {
    return count == 0 ? 0 : sum / count;
  }

  /** The unbiased sample variance, 0 with fewer than two rewards. */
  public double variance() {
    if (count < 2) return 0;
    double mean = mean();
    return Math.max(0, (sumOfSquares - count * mean * mean) / (count - 1));
  }
}

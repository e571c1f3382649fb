package io.turnout.persistence.rollout.bandit;

import io.turnout.protocol.rollout.BanditPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * UCB1 (Auer et al., 2002) as an allocation: it plays {@code horizon} rounds ahead, each round
 * giving one request to the arm with the highest index {@code mean + c * sqrt(2 ln n / n_i)} (an
 * arm never tried first), with the means as they are now and the counts growing by the rounds
 * played, and each arm's share is the fraction of rounds it won. That is sequential UCB1 whose
 * reward feedback arrives once per interval. {@code c} is the rewards' range: 1 for 0/1 rewards,
 * and for real-valued ones twice the pooled standard deviation (a 0/1 arm at 0.5 has range 2 sd).
 */
public record Ucb1() implements BanditAlgorithm {
  /** Rounds played ahead at most: enough for shares to 1/10 000, bounded in time. */
  static final long MAX_HORIZON = 100_000;

  @Override
  public BanditPolicy policy() {
    return BanditPolicy.UCB1;
  }

  @Override
  public List<Double> shares(List<Arm> arms, long horizon, RandomGenerator random) {
    int k = arms.size();
    long rounds = Math.max(1, Math.min(horizon, MAX_HORIZON));
    double scale = scale(arms);
    long played = 0;
    for (Arm arm : arms) played += arm.count();
    long[] won = new long[k];
    for (long round = 0; round < rounds; round++) {
      double logN = Math.log(Math.max(1, played + round));
      int best = -1;
      double bestIndex = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < k; i++) {
        long n = arms.get(i).count() + won[i];
        double index = n == 0 ? Double.POSITIVE_INFINITY : arms.get(i).mean() + scale * Math.sqrt(2 * logN / n);
        if (index > bestIndex) {
          best = i;
          bestIndex = index;
        }
      }
      won[best]++;
    }
    List<Double> shares = new ArrayList<>(k);
    for (long w : won) shares.add((double) w / rounds);
    return shares;
  }

  /** The arms' upper confidence indexes now. */
  static List<Double> indexes(List<Arm> arms) {
    double scale = scale(arms);
    long played = 0;
    for (Arm arm : arms) played += arm.count();
    double logN = Math.log(Math.max(1, played));
    List<Double> indexes = new ArrayList<>(arms.size());
    for (Arm arm : arms) {
      indexes.add(arm.count() == 0 ? Double.POSITIVE_INFINITY : arm.mean() + scale * Math.sqrt(2 * logN / arm.count()));
    }
    return indexes;
  }

  private static double scale(List<Arm> arms) {
    if (RewardKind.of(arms) == RewardKind.BINARY) return 1;
    long n = 0;
    double sum = 0;
    double squares = 0;
    for (Arm arm : arms) {
      n += arm.count();
      sum += arm.rewards().sum();
      squares += arm.rewards().sumOfSquares();
    }
    if (n < 2) return 1;
    double mean = sum / n;
    double variance = Math.max(0, (squares - n * mean * mean) / (n - 1));
    return variance > 0 ? 2 * Math.sqrt(variance) : 1;
  }

  @Override
  public String evidence(List<Arm> arms, List<Double> shares) {
    List<Double> indexes = indexes(arms);
    StringBuilder text = new StringBuilder(BanditAlgorithm.means(arms)).append("; UCB");
    for (int i = 0; i < arms.size(); i++) {
      double index = indexes.get(i);
      text.append(i == 0 ? " " : ", ").append('v').append(arms.get(i).version()).append(' ')
          .append(Double.isInfinite(index) ? "untried" : BanditAlgorithm.number(index));
    }
    return text.toString();
  }

  @Override
  public Optional<Winner> leader(List<Arm> arms, List<Double> shares, double threshold) {
    return BanditAlgorithm.separated(arms, threshold);
  }
}

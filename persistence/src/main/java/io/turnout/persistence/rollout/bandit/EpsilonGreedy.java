package io.turnout.persistence.rollout.bandit;

import io.turnout.protocol.rollout.BanditPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Epsilon-greedy as an allocation: the arm with the best mean reward gets {@code 1 - epsilon} of
 * the traffic, and {@code epsilon} is spread evenly over all arms (the best included). Arms tied
 * for the best mean share the greedy part; an arm with no reward yet counts as tied for the best,
 * so that a newcomer is tried before it is judged.
 */
public record EpsilonGreedy(double epsilon) implements BanditAlgorithm {

  public EpsilonGreedy {
    if (!(epsilon >= 0 && epsilon <= 1)) throw new IllegalArgumentException("epsilon must be within [0, 1], got " + epsilon);
  }

  @Override
  public BanditPolicy policy() {
    return BanditPolicy.EPSILON_GREEDY;
  }

  @Override
  public List<Double> shares(List<Arm> arms, long horizon, RandomGenerator random) {
    double bestMean = Double.NEGATIVE_INFINITY;
    for (Arm arm : arms) if (arm.count() > 0) bestMean = Math.max(bestMean, arm.mean());
    int leaders = 0;
    for (Arm arm : arms) if (leads(arm, bestMean)) leaders++;
    List<Double> shares = new ArrayList<>(arms.size());
    for (Arm arm : arms) {
      shares.add(epsilon / arms.size() + (leads(arm, bestMean) ? (1 - epsilon) / leaders : 0));
    }
    return shares;
  }

  private static boolean leads(Arm arm, double bestMean) {
    return arm.count() == 0 || arm.mean() == bestMean;
  }

  @Override
  public String evidence(List<Arm> arms, List<Double> shares) {
    return BanditAlgorithm.means(arms) + "; epsilon " + epsilon;
  }

  @Override
  public Optional<Winner> leader(List<Arm> arms, List<Double> shares, double threshold) {
    return BanditAlgorithm.separated(arms, threshold);
  }
}

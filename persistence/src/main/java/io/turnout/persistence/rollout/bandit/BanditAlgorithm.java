package io.turnout.persistence.rollout.bandit;

import io.turnout.protocol.rollout.BanditPolicy;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A bandit policy as a pure function of the arms' rewards: it turns them into traffic shares for
 * the next interval, and says when one arm has won. No state of its own: the rewards are the state,
 * and randomness (Thompson's draws) comes from the caller's generator, so a seed reproduces a run.
 */
public sealed interface BanditAlgorithm permits EpsilonGreedy, Ucb1, Thompson {

  /** The algorithm for {@code policy}; {@code epsilon} only matters to epsilon-greedy. */
  static BanditAlgorithm of(BanditPolicy policy, double epsilon) {
    return switch (policy) {
      case EPSILON_GREEDY -> new EpsilonGreedy(epsilon);
      case UCB1 -> new Ucb1();
      case THOMPSON -> new Thompson(Thompson.DRAWS);
    };
  }

  BanditPolicy policy();

  /**
   * Each arm's share of the next interval (in arm order, adding up to 1), before floors.
   * {@code horizon} is how many rewards the next interval is expected to bring (UCB1 plays that
   * many rounds ahead); {@code random} feeds Thompson's draws.
   */
  List<Double> shares(List<Arm> arms, long horizon, RandomGenerator random);

  /** The numbers behind {@code shares}, for people: "P(best) v1 0.031, v2 0.969". */
  String evidence(List<Arm> arms, List<Double> shares);

  /** The arm that has won at {@code threshold} given these shares, if any; every arm has enough rewards. */
  Optional<Winner> leader(List<Arm> arms, List<Double> shares, double threshold);

  /** The arms' weights for the next interval, each at least {@code floorBasisPoints}. */
  default Allocation allocate(List<Arm> arms, int floorBasisPoints, long horizon, RandomGenerator random) {
    checkArms(arms);
    List<Double> shares = shares(arms, horizon, random);
    int[] points = Floors.basisPoints(shares, floorBasisPoints);
    List<WeightedVersion> weights = new ArrayList<>(arms.size());
    for (int i = 0; i < arms.size(); i++) weights.add(new WeightedVersion(arms.get(i).version(), points[i]));
    return new Allocation(weights, shares, evidence(arms, shares));
  }

  /**
   * The arm that has won, if auto-promotion is on ({@code threshold} above 0) and every arm has at
   * least {@code minRewards} rewards (and at least one): Thompson's probability of being best at or
   * above the threshold, or the other policies' leading arm whose lower confidence bound at
   * confidence {@code threshold} is above every other arm's upper bound.
   */
  default Optional<Winner> winner(List<Arm> arms, Allocation allocation, double threshold, long minRewards) {
    if (threshold <= 0) return Optional.empty();
    for (Arm arm : arms) if (arm.count() < Math.max(1, minRewards)) return Optional.empty();
    return leader(arms, allocation.shares(), threshold);
  }

  static void checkArms(List<Arm> arms) {
    if (arms.size() < 2) throw new IllegalArgumentException("a bandit needs two or more arms, got " + arms.size());
    Set<Long> seen = new HashSet<>();
    for (Arm arm : arms) {
      if (!seen.add(arm.version())) throw new IllegalArgumentException("version " + arm.version() + " is an arm twice");
    }
  }

  /**
   * The confidence-bound rule: the arm with the highest mean wins when its lower bound at
   * {@code confidence} is above every other arm's upper bound.
   */
  static Optional<Winner> separated(List<Arm> arms, double confidence) {
    RewardKind kind = RewardKind.of(arms);
    Arm best = arms.get(0);
    for (Arm arm : arms) if (arm.mean() > best.mean()) best = arm;
    ConfidenceBounds.Interval bestInterval = ConfidenceBounds.of(best, kind, confidence);
    StringBuilder others = new StringBuilder();
    for (Arm arm : arms) {
      if (arm == best) continue;
      ConfidenceBounds.Interval interval = ConfidenceBounds.of(arm, kind, confidence);
      if (!(bestInterval.lower() > interval.upper())) return Optional.empty();
      others.append(others.length() == 0 ? "" : ", ").append('v').append(arm.version()).append(' ')
          .append(number(interval.upper()));
    }
    return Optional.of(new Winner(best.version(), "version " + best.version() + "'s mean reward "
        + number(best.mean()) + " has a lower " + percent(confidence) + " bound of " + number(bestInterval.lower())
        + ", above every other arm's upper bound (" + others + ")"));
  }

  /** Each arm's mean reward and count: "mean reward v1 0.800 of 50, v2 0.970 of 400". */
  static String means(List<Arm> arms) {
    StringBuilder text = new StringBuilder("mean reward");
    for (int i = 0; i < arms.size(); i++) {
      Arm arm = arms.get(i);
      text.append(i == 0 ? " " : ", ").append('v').append(arm.version()).append(' ');
      text.append(arm.count() == 0 ? "none yet" : number(arm.mean()) + " of " + arm.count());
    }
    return text.toString();
  }

  static String number(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  static String percent(double rate) {
    return String.format(Locale.ROOT, "%.4g", rate * 100).replaceAll("\\.?0+$", "") + " %";
  }
}

package io.turnout.persistence.rollout.bandit;

import io.turnout.protocol.rollout.BanditPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Thompson sampling as an allocation: each arm's share is its posterior probability of having the
 * best mean reward, estimated by {@code draws} Monte-Carlo draws (one sample of every arm's mean
 * per draw; the highest wins the draw, ties split at random). The same probability decides
 * auto-promotion.
 *
 * <ul>
 *   <li>0/1 rewards: Beta(1 + successes, 1 + failures), a uniform prior.
 *   <li>Real-valued rewards: a Normal posterior of the mean, from a prior centred on the pooled
 *       mean of all arms with the pooled variance (worth one reward), and the arm's own sample
 *       variance (the pooled one below two rewards) as the noise of each reward.
 * </ul>
 */
public record Thompson(int draws) implements BanditAlgorithm {
  /** Draws per allocation: the probability of being best to about ±0.002 at 0.95. */
  static final int DRAWS = 10_000;
  /** Keeps a posterior proper when every reward so far is the same number. */
  private static final double MIN_VARIANCE = 1e-12;

  public Thompson {
    if (draws < 1) throw new IllegalArgumentException("Thompson sampling needs at least one draw, got " + draws);
  }

  @Override
  public BanditPolicy policy() {
    return BanditPolicy.THOMPSON;
  }

  @Override
  public List<Double> shares(List<Arm> arms, long horizon, RandomGenerator random) {
    int k = arms.size();
    boolean binary = RewardKind.of(arms) == RewardKind.BINARY;
    double[][] normal = binary ? null : normalPosteriors(arms);
    long[] wins = new long[k];
    double[] sample = new double[k];
    for (int draw = 0; draw < draws; draw++) {
      for (int i = 0; i < k; i++) {
        Arm arm = arms.get(i);
        sample[i] = binary
            ? Sampling.beta(1 + arm.rewards().sum(), 1 + arm.count() - arm.rewards().sum(), random)
            : Sampling.normal(normal[i][0], normal[i][1], random);
      }
      wins[argmaxWithRandomTies(sample, random)]++;
    }
    List<Double> shares = new ArrayList<>(k);
    for (long w : wins) shares.add((double) w / draws);
    return shares;
  }

  /** Each arm's posterior mean and standard deviation of its mean reward. */
  private static double[][] normalPosteriors(List<Arm> arms) {
    long n = 0;
    double sum = 0;
    double squares = 0;
    for (Arm arm : arms) {
      n += arm.count();
      sum += arm.rewards().sum();
      squares += arm.rewards().sumOfSquares();
    }
    double priorMean = n == 0 ? 0 : sum / n;
    double priorVariance = n < 2 ? 1 : Math.max(MIN_VARIANCE, (squares - n * priorMean * priorMean) / (n - 1));
    double[][] posteriors = new double[arms.size()][];
    for (int i = 0; i < arms.size(); i++) {
      Arm arm = arms.get(i);
      double noise = arm.count() >= 2 ? Math.max(MIN_VARIANCE, arm.rewards().variance()) : priorVariance;
      double precision = 1 / priorVariance + arm.count() / noise;
      double mean = (priorMean / priorVariance + arm.rewards().sum() / noise) / precision;
      posteriors[i] = new double[] {mean, 1 / Math.sqrt(precision)};
    }
    return posteriors;
  }

  private static int argmaxWithRandomTies(double[] sample, RandomGenerator random) {
    int best = 0;
    int ties = 1;
    for (int i = 1; i < sample.length; i++) {
      if (sample[i] > sample[best]) {
        best = i;
        ties = 1;
      } else if (sample[i] == sample[best] && random.nextInt(++ties) == 0) {
        best = i; // reservoir choice: each tied arm equally likely
      }
    }
    return best;
  }

  @Override
  public String evidence(List<Arm> arms, List<Double> shares) {
    StringBuilder text = new StringBuilder("P(best)");
    for (int i = 0; i < arms.size(); i++) {
      text.append(i == 0 ? " " : ", ").append('v').append(arms.get(i).version()).append(' ')
          .append(BanditAlgorithm.number(shares.get(i)));
    }
    return text.append("; ").append(BanditAlgorithm.means(arms)).toString();
  }

  @Override
  public Optional<Winner> leader(List<Arm> arms, List<Double> shares, double threshold) {
    int best = 0;
    for (int i = 1; i < arms.size(); i++) if (shares.get(i) > shares.get(best)) best = i;
    if (shares.get(best) < threshold) return Optional.empty();
    Arm arm = arms.get(best);
    return Optional.of(new Winner(arm.version(), "version " + arm.version() + "'s probability of being best is "
        + BanditAlgorithm.number(shares.get(best)) + " (threshold " + threshold + ") with "
        + BanditAlgorithm.means(arms)));
  }
}

package io.turnout.persistence.rollout.bandit;

import io.turnout.protocol.rollout.WeightedVersion;
import java.util.List;

/**
 * What a policy makes of the arms' rewards: {@code weights}, the arms' traffic shares in basis
 * points (in arm order, adding up to 10 000, each at least the floor); {@code shares}, what the
 * policy itself would give each arm before floors (Thompson: the probability of being best); and
 * {@code evidence}, the numbers behind it for the audit log.
 */
public record Allocation(List<WeightedVersion> weights, List<Double> shares, String evidence) {

  public Allocation {
    weights = List.copyOf(weights);
    shares = List.copyOf(shares);
  }

  /** The weight of {@code version} in basis points, 0 when it is not an arm. */
  public int weightOf(long version) {
    return weights.stream().filter(w -> w.version() == version).mapToInt(WeightedVersion::basisPoints).sum();
  }
}

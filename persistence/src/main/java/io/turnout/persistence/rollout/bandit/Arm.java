package io.turnout.persistence.rollout.bandit;

import io.turnout.protocol.rollout.RewardStats;
import java.util.Objects;

/** One arm of a bandit: a version and every reward clients posted for its predictions so far. */
public record Arm(long version, RewardStats rewards) {

  public Arm {
    Objects.requireNonNull(rewards, "rewards");
  }

  public long count() {
    return rewards.count();
  }

  public double mean() {
    return rewards.mean();
  }
}

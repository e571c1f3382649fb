package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A bandit phase's state between reallocations, persisted with every one: the arms' current
 * {@code allocation} (empty before the first: an even split) and each arm's {@code totals} since
 * the phase began. The totals are what the policy reads; what edges report between two
 * reallocations is added at the second.
 */
public record BanditProgress(List<WeightedVersion> allocation, Map<Long, ArmTotals> totals) {

  /** Before the first reallocation: an even split, nothing counted. */
  public static final BanditProgress FIRST = new BanditProgress(List.of(), Map.of());

  public BanditProgress {
    allocation = List.copyOf(allocation);
    totals = Map.copyOf(totals);
  }

  /** One arm's requests, errors and rewards since the phase began. */
  public record ArmTotals(long requests, long errors, RewardStats rewards) {
    public static final ArmTotals NONE = new ArmTotals(0, 0, RewardStats.NONE);

    public ArmTotals {
      Objects.requireNonNull(rewards, "rewards");
    }

    ArmTotals plus(VersionWindow window) {
      return new ArmTotals(requests + window.requests(), errors + window.errors(), rewards.plus(window.rewards()));
    }
  }

  public ArmTotals totalsOf(long version) {
    return totals.getOrDefault(version, ArmTotals.NONE);
  }

  /** These totals plus what {@code windows} saw of each of {@code arms}, and {@code next} as the allocation. */
  BanditProgress next(List<Long> arms, Map<Long, VersionWindow> windows, List<WeightedVersion> next) {
    Map<Long, ArmTotals> sums = new HashMap<>(totals);
    for (long arm : arms) sums.put(arm, totalsOf(arm).plus(windows.getOrDefault(arm, VersionWindow.empty())));
    return new BanditProgress(next, sums);
  }
}

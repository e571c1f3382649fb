package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A bandit phase's state between reallocations, persisted with every one: the arms' current
 * {@code allocation} (empty before the first: an even split) and what edges saw of each arm since
 * the phase began ({@code totals}: requests, errors, latencies, rewards). The policy reads the
 * rewards and the gate the rest; what edges report between two reallocations is added at the second.
 */
public record BanditProgress(List<WeightedVersion> allocation, Map<Long, VersionWindow> totals) {

  /** Before the first reallocation: an even split, nothing counted. */
  public static final BanditProgress FIRST = new BanditProgress(List.of(), Map.of());

  public BanditProgress {
    allocation = List.copyOf(allocation);
    totals = Map.copyOf(totals);
  }

  /** What edges saw of {@code version} since the phase began, up to the last reallocation. */
  public VersionWindow totalsOf(long version) {
    return totals.getOrDefault(version, VersionWindow.empty());
  }

  /** These totals plus what {@code windows} saw of each of {@code arms}, and {@code next} as the allocation. */
  BanditProgress next(List<Long> arms, Map<Long, VersionWindow> windows, List<WeightedVersion> next) {
    Map<Long, VersionWindow> sums = new HashMap<>(totals);
    for (long arm : arms) sums.put(arm, totalsOf(arm).plus(windows.getOrDefault(arm, VersionWindow.empty())));
    return new BanditProgress(next, sums);
  }
}

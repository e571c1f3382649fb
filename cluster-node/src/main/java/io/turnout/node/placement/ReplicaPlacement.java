package io.turnout.node.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where replica shards go, pure: one shard per replica ({@code iris@2#1}), so each replica can be
 * placed alone. A new shard goes to the region holding the fewest replicas of the same version,
 * then the fewest shards overall, so replicas of one version land on different nodes whenever
 * there are enough nodes and a leaving node never takes a version's last replica with it.
 *
 * <p>Rebalancing only repairs co-location: a version whose replica counts per region differ by two
 * or more (e.g. both replicas on one node while another node has none, after a node came back) has
 * one replica moved. Plain load balancing is left to allocation: every move makes a replica
 * unavailable while it reloads, so moves must buy availability, not tidiness.
 *
 * @param <R> a shard region (an actor ref in production, anything comparable in tests)
 */
public final class ReplicaPlacement<R> {
  private final Comparator<R> tieBreak;

  /** @param tieBreak orders regions that are otherwise equal, so the choice is deterministic */
  public ReplicaPlacement(Comparator<R> tieBreak) {
    this.tieBreak = tieBreak;
  }

  /** The version a replica shard belongs to ({@code iris@2} for {@code iris@2#1}); the shard itself if it names none. */
  public static String versionOf(String shard) {
    int hash = shard.lastIndexOf('#');
    return hash <= 0 ? shard : shard.substring(0, hash);
  }

  private static int replicaOf(String shard) {
    int hash = shard.lastIndexOf('#');
    if (hash <= 0) return -1;
    try {
      return Integer.parseInt(shard.substring(hash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The region for a new {@code shard}: fewest replicas of its version, then fewest shards, then {@code tieBreak}. */
  public R allocate(String shard, Map<R, ? extends Collection<String>> allocations) {
    if (allocations.isEmpty()) throw new IllegalArgumentException("no region to allocate shard " + shard + " to");
    String version = versionOf(shard);
    R best = null;
    long bestSame = Long.MAX_VALUE;
    int bestTotal = Integer.MAX_VALUE;
    for (Map.Entry<R, ? extends Collection<String>> region : allocations.entrySet()) {
      long same = region.getValue().stream().filter(s -> versionOf(s).equals(version)).count();
      int total = region.getValue().size();
      boolean better = same < bestSame || (same == bestSame && total < bestTotal)
          || (same == bestSame && total == bestTotal && tieBreak.compare(region.getKey(), best) < 0);
      if (better) {
        best = region.getKey();
        bestSame = same;
        bestTotal = total;
      }
    }
    return best;
  }

  /**
   * Shards to move so that replicas of one version spread out: per version whose counts per region
   * differ by two or more, its highest-numbered replica on the most loaded region. Nothing while
   * {@code inProgress} holds {@code maxInProgress} moves already, and never a second move of one
   * version at once (its other replicas must keep serving while one reloads).
   */
  public Set<String> rebalance(Map<R, ? extends Collection<String>> allocations, Set<String> inProgress,
      int maxInProgress) {
    int room = maxInProgress - inProgress.size();
    if (room <= 0 || allocations.size() < 2) return Set.of();
    Set<String> versionsMoving = new LinkedHashSet<>();
    inProgress.forEach(shard -> versionsMoving.add(versionOf(shard)));

    // version -> region -> its shards of that version
    Map<String, Map<R, List<String>>> byVersion = new TreeMap<>();
    allocations.forEach((region, shards) -> shards.forEach(shard ->
        byVersion.computeIfAbsent(versionOf(shard), v -> new HashMap<>())
            .computeIfAbsent(region, r -> new ArrayList<>()).add(shard)));

    Set<String> moves = new LinkedHashSet<>();
    for (Map.Entry<String, Map<R, List<String>>> version : byVersion.entrySet()) {
      if (moves.size() >= room) break;
      if (versionsMoving.contains(version.getKey())) continue;
      Map<R, List<String>> placed = version.getValue();
      int fewest = placed.size() < allocations.size() ? 0
          : placed.values().stream().mapToInt(List::size).min().orElse(0);
      R crowded = null;
      for (Map.Entry<R, List<String>> region : placed.entrySet()) {
        if (crowded == null || region.getValue().size() > placed.get(crowded).size()
            || (region.getValue().size() == placed.get(crowded).size() && tieBreak.compare(region.getKey(), crowded) < 0)) {
          crowded = region.getKey();
        }
      }
      if (crowded == null || placed.get(crowded).size() - fewest < 2) continue;
      placed.get(crowded).stream()
          .filter(shard -> !inProgress.contains(shard))
          .max(Comparator.<String>comparingInt(ReplicaPlacement::replicaOf).thenComparing(Comparator.<String>naturalOrder()))
          .ifPresent(moves::add);
    }
    return Set.copyOf(moves);
  }
}

package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Weights for a routing table computed from counts, such as ready replicas. */
public final class Weights {
  private Weights() {}

  /**
   * All traffic shared among {@code versions}, in that order, in proportion to their
   * {@code counts} (a version missing from the map counts 0), adding up to exactly 10 000 basis
   * points: each gets the whole part of its share, and the basis points left go one each to the
   * largest remainders (the earlier version on a tie).
   *
   * @throws IllegalArgumentException when the counts add up to zero: there is nothing to share by
   */
  public static List<WeightedVersion> proportional(List<Long> versions, Map<Long, Integer> counts) {
    long[] count = versions.stream().mapToLong(v -> Math.max(0, counts.getOrDefault(v, 0))).toArray();
    long total = 0;
    for (long c : count) total += c;
    if (total == 0) throw new IllegalArgumentException("no counts to share traffic by among " + versions);

    int[] share = new int[count.length];
    long[] remainder = new long[count.length];
    int given = 0;
    for (int i = 0; i < count.length; i++) {
      share[i] = (int) (count[i] * RoutingTable.ALL / total);
      remainder[i] = count[i] * RoutingTable.ALL % total;
      given += share[i];
    }
    List<Integer> byRemainder = IntStream.range(0, count.length).boxed()
        .sorted(Comparator.<Integer>comparingLong(i -> remainder[i]).reversed().thenComparing(i -> i))
        .toList();
    for (int i = 0; given < RoutingTable.ALL; i++, given++) share[byRemainder.get(i)]++;

    List<WeightedVersion> weights = new ArrayList<>(versions.size());
    for (int i = 0; i < count.length; i++) weights.add(new WeightedVersion(versions.get(i), share[i]));
    return List.copyOf(weights);
  }
}

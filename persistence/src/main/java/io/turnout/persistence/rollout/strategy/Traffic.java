package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.Mirror;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a phase's current progress asks of the cluster, in one place: the routing table's weights
 * (the phase's target first, so that its sticky buckets only grow) and targeting rules, and the
 * number of replicas each version should run. A version missing from {@code replicas} is not needed
 * by the rollout; the maps list stable and target explicitly, with 0 where they should stop.
 * {@code mirror} is the shadow traffic a shadow phase asks for; {@code perRequest} draws each
 * request's bucket at random (a bandit's allocation is a probability per request).
 */
public record Traffic(List<WeightedVersion> weights, List<TargetingRule> rules, Map<Long, Integer> replicas,
    Mirror mirror, boolean perRequest) {

  /** Traffic split by sticky key, with no shadow. */
  public Traffic(List<WeightedVersion> weights, List<TargetingRule> rules, Map<Long, Integer> replicas) {
    this(weights, rules, replicas, Mirror.NONE, false);
  }

  public Traffic {
    mirror = mirror == null ? Mirror.NONE : mirror;
    weights = List.copyOf(weights);
    rules = List.copyOf(rules);
    replicas = Map.copyOf(replicas);
    int total = weights.stream().mapToInt(WeightedVersion::basisPoints).sum();
    if (total != RoutingTable.ALL) {
      throw new IllegalArgumentException("weights must add up to 10000 basis points, got " + total);
    }
    replicas.forEach((version, count) -> {
      if (count < 0) throw new IllegalArgumentException("negative replica count for version " + version);
    });
  }

  /**
   * After a rollback: all traffic to stable at its registered count; the target and every other
   * version the rollout's phases named (A/B and bandit arms, shadow candidates) stopped.
   */
  public static Traffic rolledBack(RolloutContext ctx) {
    return only(ctx, ctx.stableVersion(), ctx.stableReplicas());
  }

  /**
   * After a promotion: all traffic to the target at its registered count; the old stable and every
   * other version the rollout's phases named stopped.
   */
  public static Traffic promoted(RolloutContext ctx) {
    return only(ctx, ctx.targetVersion(), ctx.targetReplicas());
  }

  private static Traffic only(RolloutContext ctx, long version, int replicas) {
    Map<Long, Integer> wanted = new HashMap<>();
    wanted.put(ctx.stableVersion(), 0);
    wanted.put(ctx.targetVersion(), 0);
    ctx.armReplicas().keySet().forEach(arm -> wanted.put(arm, 0));
    wanted.put(version, replicas);
    return new Traffic(List.of(new WeightedVersion(version, RoutingTable.ALL)), List.of(), wanted);
  }

  /** The weight of {@code version} in basis points, 0 when it has none. */
  public int weightOf(long version) {
    return weights.stream().filter(w -> w.version() == version).mapToInt(WeightedVersion::basisPoints).sum();
  }

  /** The replicas {@code version} should run, 0 when it is not listed. */
  public int replicasOf(long version) {
    return replicas.getOrDefault(version, 0);
  }

  /**
   * This traffic, except that a version with no ready replica gets neither weight nor rules: its
   * weight goes to {@code stable} (in stable's place, or appended last so that no other version's
   * buckets move) and requests its rules would catch fall through to the weights. Edges answer 503
   * for a version with no ready replica; those answers would count as the version's errors. Left as
   * it is when stable has no ready replica either: there is nowhere better to send anyone.
   */
  Traffic towardsReady(long stable, Map<Long, Integer> ready) {
    if (ready.getOrDefault(stable, 0) == 0) return this;
    Map<Long, Integer> shares = new LinkedHashMap<>();
    int freed = 0;
    for (WeightedVersion weighted : weights) {
      boolean servable = weighted.version() == stable || ready.getOrDefault(weighted.version(), 0) > 0;
      freed += servable ? 0 : weighted.basisPoints();
      shares.merge(weighted.version(), servable ? weighted.basisPoints() : 0, Integer::sum);
    }
    shares.merge(stable, freed, Integer::sum);
    List<WeightedVersion> servableWeights = new ArrayList<>();
    shares.forEach((version, share) -> servableWeights.add(new WeightedVersion(version, share)));
    List<TargetingRule> servableRules = rules.stream()
        .filter(rule -> rule.version() == stable || ready.getOrDefault(rule.version(), 0) > 0)
        .toList();
    return new Traffic(servableWeights, servableRules, replicas, mirror, perRequest);
  }
}

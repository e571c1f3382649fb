package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;

/** One phase of a rollout plan, as the user wrote it. The coordinator runs phases in order. */
public sealed interface PhaseSpec extends ClusterMessage {

  /** The name users write in plans: shadow, canary, blueGreen, rolling, ab, bandit. */
  String kind();

  /**
   * The versions this phase names by number (A/B arms and rules, shadow candidates, bandit arms),
   * in the order written; the stable and target versions are implied and not listed unless named.
   */
  default List<Long> namedVersions() {
    return List.of();
  }

  /**
   * Traffic to the target grows in steps (basis points of all traffic, the last one 10 000), each
   * held for {@code bakeTime} and gated before the next.
   */
  record Canary(List<Integer> stepsBasisPoints, Duration bakeTime, Gate gate) implements PhaseSpec {
    public Canary {
      stepsBasisPoints = List.copyOf(stepsBasisPoints);
      if (stepsBasisPoints.isEmpty()) throw new IllegalArgumentException("a canary needs at least one step");
      int previous = 0;
      for (int step : stepsBasisPoints) {
        if (step <= previous || step > RoutingTable.ALL) {
          throw new IllegalArgumentException("canary steps must rise within (0, 100] percent: " + stepsBasisPoints);
        }
        previous = step;
      }
    }

    @Override
    public String kind() {
      return "canary";
    }
  }

  /**
   * The target (green) starts at full replica count while all traffic stays on stable (blue);
   * requests carrying {@code previewHeader} (or naming the version) reach green for
   * {@code previewTime}, then the gate decides one switch of all traffic. Blue stays warm for
   * {@code keepBlueWarm} so that a rollback is instant, then stops.
   */
  record BlueGreen(String previewHeader, Duration previewTime, Duration keepBlueWarm, Gate gate) implements PhaseSpec {
    @Override
    public String kind() {
      return "blueGreen";
    }
  }

  /**
   * Stable's replicas are replaced by the target's one at a time, at most {@code maxSurge} extra
   * and {@code maxUnavailable} missing; traffic follows the ready replicas of each version, and the
   * gate runs after each replacement has baked for {@code bakeTime}.
   */
  record Rolling(int maxSurge, int maxUnavailable, Duration bakeTime, Gate gate) implements PhaseSpec {
    public Rolling {
      if (maxSurge < 0 || maxUnavailable < 0 || maxSurge + maxUnavailable == 0) {
        throw new IllegalArgumentException("rolling needs maxSurge + maxUnavailable >= 1");
      }
    }

    @Override
    public String kind() {
      return "rolling";
    }
  }

  /**
   * A fixed split between arms (weights in basis points adding up to 10 000), sticky per user, with
   * targeting rules checked first; it runs until promoted or aborted. The gate only guards against
   * an arm that errors or slows down.
   */
  record AbTest(List<WeightedVersion> arms, List<TargetingRule> rules, Gate gate) implements PhaseSpec {
    public AbTest {
      arms = List.copyOf(arms);
      rules = List.copyOf(rules);
      int total = arms.stream().mapToInt(WeightedVersion::basisPoints).sum();
      if (arms.size() < 2 || total != RoutingTable.ALL) {
        throw new IllegalArgumentException("an A/B test needs two or more arms adding up to 100 percent");
      }
    }

    @Override
    public String kind() {
      return "ab";
    }

    @Override
    public List<Long> namedVersions() {
      LinkedHashSet<Long> named = new java.util.LinkedHashSet<>();
      arms.forEach(arm -> named.add(arm.version()));
      rules.forEach(rule -> named.add(rule.version()));
      return List.copyOf(named);
    }
  }

  /**
   * Users are served by stable only, while a {@code mirrorBasisPoints} sample of stable's requests
   * is copied to each candidate (the target when {@code candidates} is empty) and their outputs are
   * compared with stable's. The phase lasts at least {@code duration}; then every candidate must
   * pass {@code gate}, and a failing candidate rolls back at once.
   */
  record Shadow(List<Long> candidates, int mirrorBasisPoints, Duration duration, ShadowGate gate) implements PhaseSpec {
    public Shadow {
      candidates = List.copyOf(candidates);
      if (mirrorBasisPoints <= 0 || mirrorBasisPoints > RoutingTable.ALL) {
        throw new IllegalArgumentException("a shadow phase mirrors within (0, 100] percent, got " + mirrorBasisPoints / 100.0);
      }
    }

    @Override
    public String kind() {
      return "shadow";
    }

    @Override
    public List<Long> namedVersions() {
      return candidates;
    }
  }

  /**
   * A multi-armed bandit over {@code arms} (stable and target when empty): every
   * {@code reallocationInterval} the {@code policy} turns the rewards posted so far into traffic
   * shares, each arm keeping at least {@code floorBasisPoints} so that exploration never stops.
   * {@code epsilon} is epsilon-greedy's exploration share. With {@code promoteThreshold} above 0,
   * once every arm has {@code minRewards} rewards, an arm whose probability of being best (Thompson)
   * or whose lower confidence bound beating every other arm's upper one (UCB1, epsilon-greedy) clears
   * the threshold ends the phase: the target completes it, stable rolls the rollout back.
   * {@code gate} guards every arm's errors and latency against stable's.
   */
  record Bandit(
      List<Long> arms,
      BanditPolicy policy,
      double epsilon,
      Duration reallocationInterval,
      int floorBasisPoints,
      double promoteThreshold,
      long minRewards,
      Gate gate) implements PhaseSpec {
    public Bandit {
      arms = List.copyOf(arms);
      if (arms.size() == 1) throw new IllegalArgumentException("a bandit needs two or more arms");
      if (epsilon < 0 || epsilon > 1) throw new IllegalArgumentException("epsilon must be within [0, 1], got " + epsilon);
      int armCount = Math.max(2, arms.size());
      if (floorBasisPoints < 0 || (long) floorBasisPoints * armCount > RoutingTable.ALL) {
        throw new IllegalArgumentException("a floor of " + floorBasisPoints / 100.0 + " % per arm does not fit "
            + armCount + " arms");
      }
      if (promoteThreshold < 0 || promoteThreshold >= 1) {
        throw new IllegalArgumentException("promoteThreshold must be within [0, 1) (0: never auto-promote), got "
            + promoteThreshold);
      }
      if (minRewards < 0) throw new IllegalArgumentException("minRewards must not be negative");
      if (reallocationInterval.isNegative() || reallocationInterval.isZero()) {
        throw new IllegalArgumentException("reallocationInterval must be positive");
      }
    }

    @Override
    public String kind() {
      return "bandit";
    }

    @Override
    public List<Long> namedVersions() {
      return arms;
    }
  }
}

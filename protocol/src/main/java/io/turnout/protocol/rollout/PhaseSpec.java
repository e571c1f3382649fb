package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;
import java.time.Duration;
import java.util.List;

/** One phase of a rollout plan, as the user wrote it. The coordinator runs phases in order. */
public sealed interface PhaseSpec extends ClusterMessage {

  /** The name users write in plans: canary, blueGreen, rolling, ab. */
  String kind();

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
  }
}

package io.turnout.persistence.rollout.strategy;

import java.util.Map;
import java.util.Objects;

/**
 * The facts of a rollout a phase needs besides its spec: the model, the version serving before the
 * rollout (stable) and the one rolled out (target), the routing table's sticky header, and the
 * registered replica counts of both. {@code armReplicas} holds the counts of any other version a
 * phase names (A/B arms and rules, shadow candidates, bandit arms); the coordinator fills it from
 * the registry.
 */
public record RolloutContext(
    String model,
    long stableVersion,
    long targetVersion,
    String stickyHeader,
    int stableReplicas,
    int targetReplicas,
    Map<Long, Integer> armReplicas) {

  public RolloutContext {
    Objects.requireNonNull(model, "model");
    stickyHeader = stickyHeader == null ? "" : stickyHeader;
    armReplicas = Map.copyOf(armReplicas);
    if (stableVersion == targetVersion) {
      throw new IllegalArgumentException("version " + targetVersion + " of '" + model + "' is already stable");
    }
    if (stableReplicas < 1 || targetReplicas < 1) {
      throw new IllegalArgumentException("replica counts must be at least 1, got stable " + stableReplicas
          + " and target " + targetReplicas);
    }
  }

  /** A rollout whose phases only involve stable and target. */
  public RolloutContext(String model, long stableVersion, long targetVersion, String stickyHeader,
      int stableReplicas, int targetReplicas) {
    this(model, stableVersion, targetVersion, stickyHeader, stableReplicas, targetReplicas, Map.of());
  }

  /** The registered replica count of {@code version}. */
  public int replicasOf(long version) {
    if (version == stableVersion) return stableReplicas;
    if (version == targetVersion) return targetReplicas;
    Integer replicas = armReplicas.get(version);
    if (replicas == null) {
      throw new IllegalArgumentException("no replica count for version " + version + " of '" + model
          + "': register it before naming it in a phase");
    }
    return replicas;
  }
}

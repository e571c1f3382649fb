package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;
import java.util.List;

/**
 * Moving a model from its stable version to {@code targetVersion} through {@code phases}, in order.
 * Users stick to their side by {@code stickyHeader} (e.g. {@code X-User-Id}), else by client address.
 */
public record RolloutPlan(long targetVersion, List<PhaseSpec> phases, String stickyHeader) implements ClusterMessage {

  public RolloutPlan {
    phases = List.copyOf(phases);
    stickyHeader = stickyHeader == null ? "" : stickyHeader;
    if (phases.isEmpty()) throw new IllegalArgumentException("a rollout plan needs at least one phase");
  }
}

package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.VersionWindow;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What the coordinator knows when it evaluates a phase: the time, what edges saw of each version
 * since the current step or stage started ({@link PhaseProgress#startedAt()}), and how many
 * replicas of each version the Receptionist reports ready. Versions missing from a map saw no
 * traffic or have no ready replica.
 */
public record Observation(Instant now, Map<Long, VersionWindow> windows, Map<Long, Integer> readyReplicas) {

  public Observation {
    Objects.requireNonNull(now, "now");
    windows = Map.copyOf(windows);
    readyReplicas = Map.copyOf(readyReplicas);
  }

  public VersionWindow window(long version) {
    return windows.getOrDefault(version, VersionWindow.empty());
  }

  public int ready(long version) {
    return readyReplicas.getOrDefault(version, 0);
  }
}

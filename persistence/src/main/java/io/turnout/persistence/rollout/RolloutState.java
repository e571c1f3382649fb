package io.turnout.persistence.rollout;

import io.turnout.persistence.rollout.RolloutCoordinator.Event;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.protocol.ClusterMessage;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.RoutingTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model's rollout state: its stable version, the routing table last written (its revision is the
 * table's), the rollout in progress if any, and the history of every event as the audit log.
 * Immutable; each event handler returns a new state.
 */
public record RolloutState(long stableVersion, RoutingTable table, Rollout active, List<HistoryEntry> history)
    implements ClusterMessage {

  /** History kept in the state (and its snapshots); older entries stay in the journal. */
  static final int HISTORY_LIMIT = 10_000;

  public static RolloutState empty(String model) {
    return new RolloutState(0, null, null, List.of());
  }

  public RolloutState {
    history = List.copyOf(history);
  }

  public boolean hasStable() {
    return stableVersion > 0;
  }

  public long revision() {
    return table == null ? 0 : table.revision();
  }

  public boolean rolling() {
    return active != null;
  }

  /** A rollout in progress: the plan, where it stands, and who started it. */
  public record Rollout(
      RolloutPlan plan,
      int stableReplicas,
      int targetReplicas,
      Map<Long, Integer> armReplicas,
      int phaseIndex,
      PhaseProgress progress,
      boolean paused,
      String startedBy,
      Instant startedAt) implements ClusterMessage {

    public Rollout {
      armReplicas = Map.copyOf(armReplicas);
    }

    public PhaseSpec phase() {
      return plan.phases().get(phaseIndex);
    }

    public boolean lastPhase() {
      return phaseIndex == plan.phases().size() - 1;
    }

    Rollout withProgress(int phase, PhaseProgress next) {
      return new Rollout(plan, stableReplicas, targetReplicas, armReplicas, phase, next, paused, startedBy, startedAt);
    }

    Rollout withPaused(boolean isPaused) {
      return new Rollout(plan, stableReplicas, targetReplicas, armReplicas, phaseIndex, progress, isPaused, startedBy, startedAt);
    }
  }

  /** One line of the audit log: when, what, who (a user or "gate"), and why. */
  public record HistoryEntry(long sequence, Instant at, String event, String by, String detail) implements ClusterMessage {}

  RolloutState with(long stable, RoutingTable newTable, Rollout newActive) {
    return new RolloutState(stable, newTable, newActive, history);
  }

  RolloutState recorded(Event event) {
    List<HistoryEntry> next = new ArrayList<>(history.size() + 1);
    int drop = history.size() >= HISTORY_LIMIT ? 1 : 0;
    next.addAll(history.subList(drop, history.size()));
    long sequence = history.isEmpty() ? 1 : history.get(history.size() - 1).sequence() + 1;
    next.add(new HistoryEntry(sequence, event.at(), event.getClass().getSimpleName(), event.by(), event.detail()));
    return new RolloutState(stableVersion, table, active, next);
  }
}

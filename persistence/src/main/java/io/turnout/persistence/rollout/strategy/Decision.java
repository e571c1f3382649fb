package io.turnout.persistence.rollout.strategy;

import java.util.Objects;

/** What a phase wants next, given where it is and what was observed. */
public sealed interface Decision {

  /** Nothing to do yet; {@code why} is for the rollout's status. */
  record Hold(String why) implements Decision {}

  /**
   * Move to the next step or stage: persist {@code next}, then apply the traffic and replicas its
   * {@link PhaseStrategy#traffic traffic} asks for, and count windows from {@code next.startedAt()}.
   */
  record Advance(PhaseProgress next, String cause) implements Decision {
    public Advance {
      Objects.requireNonNull(next, "next");
    }
  }

  /**
   * A bandit's new allocation: persist {@code next} (the allocation and the arms' totals) as an
   * allocation change, then apply its traffic, and count windows from {@code next.startedAt()}.
   * {@code detail} is the audit log's line: the policy, the shares and the numbers behind them.
   */
  record Reallocate(PhaseProgress next, String detail) implements Decision {
    public Reallocate {
      Objects.requireNonNull(next, "next");
    }
  }

  /** The phase is done: enter the next phase, or promote the target when this was the last one. */
  record Complete(String cause) implements Decision {}

  /** A gate failed: send all traffic back to stable and stop the target's replicas. */
  record RollBack(String reason) implements Decision {}
}

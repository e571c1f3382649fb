package io.turnout.persistence.rollout.strategy;

/**
 * What a {@link io.turnout.protocol.rollout.Gate} says about a target version's window: its
 * messages name the numbers behind the verdict, because they become the causes in the audit log.
 */
public sealed interface GateVerdict {

  /** The target is at least as good as the gate asks. */
  record Pass(String summary) implements GateVerdict {}

  /** Too few target requests to judge yet. */
  record Wait(String why) implements GateVerdict {}

  /** The target errs or is slow beyond the gate's limits: roll back. */
  record Fail(String reason) implements GateVerdict {}
}

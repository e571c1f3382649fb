package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.PhaseSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Where the current phase is: all the state a phase has, persisted by the coordinator and handed
 * back to the phase's {@link PhaseStrategy} on every evaluation. Each {@link Decision.Advance} and
 * {@link Decision.Reallocate} replaces it, with {@code startedAt} set to the moment of the decision;
 * windows of traffic are counted from {@code startedAt}.
 *
 * <ul>
 *   <li>canary: {@code step} is the index into the weight steps, stage {@link Stage#BAKING};
 *   <li>blue-green: step 0, stage {@link Stage#PREVIEW}, then {@link Stage#SWITCHED}, then
 *       {@link Stage#BLUE_DRAINING};
 *   <li>rolling: step {@code i} replaces the {@code (i + 1)}-th replica, so {@code i + 1} target
 *       replicas are wanted; stage {@link Stage#REPLACING} until the replicas are in place, then
 *       {@link Stage#BAKING};
 *   <li>A/B: step 0, stage {@link Stage#RUNNING};
 *   <li>bandit: step {@code i} is the {@code i}-th reallocation, stage {@link Stage#ALLOCATING}, and
 *       {@code bandit} holds the current allocation and every arm's totals so far (null for other phases).
 * </ul>
 */
public record PhaseProgress(int step, Stage stage, Instant startedAt, BanditProgress bandit) {

  public enum Stage {
    /** Traffic is in place; waiting out the bake time, then the gate. */
    BAKING,
    /** Rolling: a replica of the target is starting or one of stable's is stopping. */
    REPLACING,
    /** Blue-green: all traffic on blue (stable), preview requests on green (target). */
    PREVIEW,
    /** Blue-green: all traffic on green, blue still running for an instant rollback. */
    SWITCHED,
    /** Blue-green: blue's replicas are stopping. */
    BLUE_DRAINING,
    /** A/B: the split holds until someone promotes or aborts. */
    RUNNING,
    /** Bandit: traffic follows the allocation, recomputed from the rewards every interval. */
    ALLOCATING
  }

  /** The progress of any phase but a bandit. */
  public PhaseProgress(int step, Stage stage, Instant startedAt) {
    this(step, stage, startedAt, null);
  }

  public PhaseProgress {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(startedAt, "startedAt");
    if (step < 0) throw new IllegalArgumentException("step must not be negative, got " + step);
  }

  /** The first progress of {@code spec}'s phase, entered at {@code now}. */
  public static PhaseProgress start(PhaseSpec spec, Instant now) {
    return PhaseStrategy.of(spec).start(now);
  }

  /** How long the current step or stage has run at {@code now} (zero if {@code now} is earlier). */
  public Duration elapsed(Instant now) {
    Duration elapsed = Duration.between(startedAt, now);
    return elapsed.isNegative() ? Duration.ZERO : elapsed;
  }

  /** What is left of {@code wait} at {@code now}, zero once it has passed. */
  public Duration remaining(Duration wait, Instant now) {
    Duration left = wait.minus(elapsed(now));
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** This progress, when it is in one of {@code stages}; else it is not {@code kind}'s. */
  PhaseProgress expect(String kind, Stage... stages) {
    for (Stage expected : stages) if (stage == expected) return this;
    throw new IllegalArgumentException("progress " + this + " does not belong to a " + kind + " phase");
  }

  /** The next step, in the same stage, from {@code now}. */
  PhaseProgress nextStep(Instant now) {
    return new PhaseProgress(step + 1, stage, now, bandit);
  }

  /** The next step, in the same stage, from {@code now}, with the bandit's new allocation and totals. */
  PhaseProgress nextStep(Instant now, BanditProgress next) {
    return new PhaseProgress(step + 1, stage, now, next);
  }

  /** The same step in another stage, from {@code now}. */
  PhaseProgress in(Stage next, Instant now) {
    return new PhaseProgress(step, next, now, bandit);
  }
}

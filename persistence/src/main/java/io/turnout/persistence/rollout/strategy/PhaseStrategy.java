package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.PhaseSpec;
import java.time.Instant;
import java.util.Map;

/**
 * The rules of one phase of a rollout, stateless like TensorFlow Serving's aspired-version
 * policies: {@code next decision = decide(snapshot)}. All the phase's state is the
 * {@link PhaseProgress} the coordinator persists; time comes in with the {@link Observation}, so
 * the same inputs always give the same answer and evaluating twice is harmless.
 *
 * <p>The coordinator, on every evaluation tick: calls {@link #decide}, persists what it says, and
 * calls {@link #traffic} with the latest ready replica counts, writing a new routing table revision
 * when it differs from the current one and reconciling replicas towards it. Traffic depends on
 * readiness (a version with no ready replica gets no share, and a rolling phase's weights follow
 * ready replicas), so it may change between decisions.
 */
public sealed interface PhaseStrategy permits CanaryStrategy, BlueGreenStrategy, RollingStrategy, AbTestStrategy,
    BanditStrategy {

  /** The phase this strategy runs. */
  PhaseSpec spec();

  /** The progress of the phase when it is entered at {@code now}. */
  PhaseProgress start(Instant now);

  /** What to do next, given where the phase is and what was observed since its step started. */
  Decision decide(RolloutContext ctx, PhaseProgress progress, Observation obs);

  /** The routing and replicas the phase wants at {@code progress}, given the ready replica counts. */
  Traffic traffic(RolloutContext ctx, PhaseProgress progress, Map<Long, Integer> readyReplicas);

  /** The strategy for {@code spec}'s kind of phase. */
  static PhaseStrategy of(PhaseSpec spec) {
    if (spec instanceof PhaseSpec.Canary canary) return new CanaryStrategy(canary);
    if (spec instanceof PhaseSpec.BlueGreen blueGreen) return new BlueGreenStrategy(blueGreen);
    if (spec instanceof PhaseSpec.Rolling rolling) return new RollingStrategy(rolling);
    if (spec instanceof PhaseSpec.AbTest abTest) return new AbTestStrategy(abTest);
    if (spec instanceof PhaseSpec.Bandit bandit) return new BanditStrategy(bandit);
    throw new IllegalArgumentException("no strategy for phase kind '" + spec.kind() + "'");
  }
}

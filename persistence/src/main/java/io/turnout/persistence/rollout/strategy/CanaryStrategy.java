package io.turnout.persistence.rollout.strategy;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A canary: step {@code i} sends {@code stepsBasisPoints[i]} of all traffic to the target, listed
 * first in the table so that each higher step only adds users to it. A step lasts at least
 * {@code bakeTime}; then a passing gate advances to the next step, or completes the phase after the
 * last one, and a gate still short of samples holds. A failing gate rolls back at once, during the
 * bake too: the gate only fails on {@code minSamples} requests, and a bad canary should reach as few
 * users as possible. The target runs its registered replica count throughout; stable keeps its own.
 */
public record CanaryStrategy(PhaseSpec.Canary spec) implements PhaseStrategy {
  private static final String KIND = "canary";

  @Override
  public PhaseProgress start(Instant now) {
    return new PhaseProgress(0, Stage.BAKING, now);
  }

  @Override
  public Decision decide(RolloutContext ctx, PhaseProgress progress, Observation obs) {
    int step = stepOf(progress);
    String where = where(step);
    GateVerdict verdict = Gates.evaluate(spec.gate(), obs.window(ctx.stableVersion()), obs.window(ctx.targetVersion()));
    if (verdict instanceof GateVerdict.Fail fail) return new Decision.RollBack(where + ": " + fail.reason());
    if (obs.ready(ctx.targetVersion()) == 0) {
      return new Decision.Hold(where + ": waiting for a ready replica of version " + ctx.targetVersion());
    }
    Duration left = progress.remaining(spec.bakeTime(), obs.now());
    if (!left.isZero()) return new Decision.Hold(where + ": baking, " + Texts.duration(left) + " left");
    if (verdict instanceof GateVerdict.Wait wait) return new Decision.Hold(where + ": baked, waiting for " + wait.why());

    String passed = where + " passed the gate: " + ((GateVerdict.Pass) verdict).summary();
    if (step == spec.stepsBasisPoints().size() - 1) return new Decision.Complete(passed);
    return new Decision.Advance(progress.nextStep(obs.now()),
        passed + "; next " + Texts.share(spec.stepsBasisPoints().get(step + 1)) + " to version " + ctx.targetVersion());
  }

  @Override
  public Traffic traffic(RolloutContext ctx, PhaseProgress progress, Map<Long, Integer> readyReplicas) {
    int target = spec.stepsBasisPoints().get(stepOf(progress));
    return new Traffic(
        List.of(new WeightedVersion(ctx.targetVersion(), target),
            new WeightedVersion(ctx.stableVersion(), RoutingTable.ALL - target)),
        List.of(),
        Map.of(ctx.targetVersion(), ctx.targetReplicas(), ctx.stableVersion(), ctx.stableReplicas()))
        .towardsReady(ctx.stableVersion(), readyReplicas);
  }

  private int stepOf(PhaseProgress progress) {
    int step = progress.expect(KIND, Stage.BAKING).step();
    if (step >= spec.stepsBasisPoints().size()) {
      throw new IllegalArgumentException("canary step " + step + " is past its last step " + spec.stepsBasisPoints());
    }
    return step;
  }

  private String where(int step) {
    return "canary step " + (step + 1) + " of " + spec.stepsBasisPoints().size()
        + " (" + Texts.share(spec.stepsBasisPoints().get(step)) + ")";
  }
}

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
 * A rolling update: stable's replicas are replaced by the target's one at a time, with the gate
 * after each replacement.
 *
 * <p>There are {@link #replacements(RolloutContext) max(stable, target)} replacements, one per
 * replica slot: replacement {@code k} (progress step {@code k - 1}) wants {@code min(k, target)}
 * target replicas and {@code max(0, stable - k)} stable ones, so counts that differ are reconciled
 * along the way. Within a replacement the order follows the spec:
 *
 * <ul>
 *   <li>{@code maxSurge > 0}: surge first. The new target replica starts while stable keeps its
 *       previous count; stable drops by one once the target's ready count reached its wanted count.
 *       At most one replica more than before, never fewer ready.
 *   <li>{@code maxSurge == 0}: remove first. One stable replica stops; the target's new replica
 *       starts once stable's ready count came down. At most one replica missing, which
 *       {@code maxUnavailable >= 1} (required when {@code maxSurge == 0}) allows.
 * </ul>
 *
 * Since the gate runs after every single replacement, a larger {@code maxSurge} or
 * {@code maxUnavailable} does not replace several at once; it only bounds the transient.
 *
 * <p>Stage {@link Stage#REPLACING} holds until the replicas are in place (target ready at its
 * wanted count, stable ready down to its own); the phase then advances to {@link Stage#BAKING},
 * so windows and bake time start when the new replica actually serves. After {@code bakeTime} a
 * passing gate starts the next replacement, or completes the phase after the last one. A failing
 * gate rolls back at any time. Weights are proportional to the ready replicas of each version,
 * target first (all on stable while nothing is ready).
 */
public record RollingStrategy(PhaseSpec.Rolling spec) implements PhaseStrategy {
  private static final String KIND = "rolling";

  /** How many replacements the phase makes for {@code ctx}: one per replica slot. */
  public static int replacements(RolloutContext ctx) {
    return Math.max(ctx.stableReplicas(), ctx.targetReplicas());
  }

  @Override
  public PhaseProgress start(Instant now) {
    return new PhaseProgress(0, Stage.REPLACING, now);
  }

  @Override
  public Decision decide(RolloutContext ctx, PhaseProgress progress, Observation obs) {
    int k = replacement(ctx, progress);
    String where = "rolling replacement " + k + " of " + replacements(ctx);
    GateVerdict verdict = Gates.evaluate(spec.gate(), obs.window(ctx.stableVersion()), obs.window(ctx.targetVersion()));
    if (verdict instanceof GateVerdict.Fail fail) return new Decision.RollBack(where + ": " + fail.reason());

    int wantTarget = wantedTarget(ctx, k);
    int wantStable = wantedStable(ctx, k);
    int readyTarget = obs.ready(ctx.targetVersion());
    int readyStable = obs.ready(ctx.stableVersion());
    if (readyTarget < wantTarget || readyStable > wantStable) {
      return new Decision.Hold(where + ": waiting for replicas (version " + ctx.targetVersion() + ": " + readyTarget
          + " of " + wantTarget + " ready; version " + ctx.stableVersion() + ": " + readyStable + " ready, "
          + wantStable + " wanted)");
    }
    if (progress.stage() == Stage.REPLACING) {
      return new Decision.Advance(progress.in(Stage.BAKING, obs.now()), where + ": " + wantTarget + " of version "
          + ctx.targetVersion() + " and " + wantStable + " of version " + ctx.stableVersion() + " ready; baking for "
          + Texts.duration(spec.bakeTime()));
    }
    Duration left = progress.remaining(spec.bakeTime(), obs.now());
    if (!left.isZero()) return new Decision.Hold(where + ": baking, " + Texts.duration(left) + " left");
    if (verdict instanceof GateVerdict.Wait wait) return new Decision.Hold(where + ": baked, waiting for " + wait.why());

    String passed = where + " passed the gate: " + ((GateVerdict.Pass) verdict).summary();
    if (k == replacements(ctx)) return new Decision.Complete(passed);
    return new Decision.Advance(new PhaseProgress(progress.step() + 1, Stage.REPLACING, obs.now()),
        passed + "; replacing the next replica");
  }

  @Override
  public Traffic traffic(RolloutContext ctx, PhaseProgress progress, Map<Long, Integer> readyReplicas) {
    int k = replacement(ctx, progress);
    long target = ctx.targetVersion();
    long stable = ctx.stableVersion();
    int readyTarget = readyReplicas.getOrDefault(target, 0);
    int readyStable = readyReplicas.getOrDefault(stable, 0);

    int wantTarget = wantedTarget(ctx, k);
    int wantStable = wantedStable(ctx, k);
    if (spec.maxSurge() > 0) {
      if (readyTarget < wantTarget) wantStable = wantedStable(ctx, k - 1);
    } else {
      if (readyStable > wantStable) wantTarget = wantedTarget(ctx, k - 1);
    }

    List<WeightedVersion> weights = readyTarget + readyStable == 0
        ? List.of(new WeightedVersion(target, 0), new WeightedVersion(stable, RoutingTable.ALL))
        : Weights.proportional(List.of(target, stable), Map.of(target, readyTarget, stable, readyStable));
    return new Traffic(weights, List.of(), Map.of(target, wantTarget, stable, wantStable));
  }

  /** The 1-based replacement {@code progress} is at. */
  private static int replacement(RolloutContext ctx, PhaseProgress progress) {
    int k = progress.expect(KIND, Stage.REPLACING, Stage.BAKING).step() + 1;
    if (k > replacements(ctx)) {
      throw new IllegalArgumentException("rolling step " + progress.step() + " is past the last of "
          + replacements(ctx) + " replacements");
    }
    return k;
  }

  private static int wantedTarget(RolloutContext ctx, int replaced) {
    return Math.min(replaced, ctx.targetReplicas());
  }

  private static int wantedStable(RolloutContext ctx, int replaced) {
    return Math.max(0, ctx.stableReplicas() - replaced);
  }
}

package io.turnout.persistence.rollout.strategy;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Blue-green: blue is the stable version, green the target, in three stages.
 *
 * <ol>
 *   <li>{@link Stage#PREVIEW}: green runs at full count (the larger of stable's and its own
 *       registered count, so it can take all of blue's traffic at once) while all traffic stays on
 *       blue; requests carrying {@code previewHeader} (any value) go to green. Once every green
 *       replica is ready and {@code previewTime} has passed since the phase began, the gate judges
 *       the preview traffic: a pass switches, too few samples holds (someone has to send preview
 *       requests), a failure rolls back.
 *   <li>{@link Stage#SWITCHED}: all traffic on green, one routing-table change; blue keeps all its
 *       replicas for {@code keepBlueWarm}, so that a rollback is one more table change. Blue has
 *       no traffic now, so the gate compares green's error rate with zero and not its latency
 *       (see {@link Gates}). After {@code keepBlueWarm}, blue is stopped whatever the gate's
 *       sample count: this stage is a rollback window, not a second analysis.
 *   <li>{@link Stage#BLUE_DRAINING}: blue's desired replicas are 0; the phase completes once none
 *       of them is reported ready.
 * </ol>
 *
 * A failing gate rolls back in every stage; after {@code keepBlueWarm} that means starting blue
 * again, so it is no longer instant, but still better than keeping a failing version.
 */
public record BlueGreenStrategy(PhaseSpec.BlueGreen spec) implements PhaseStrategy {
  private static final String KIND = "blue-green";

  @Override
  public PhaseProgress start(Instant now) {
    return new PhaseProgress(0, Stage.PREVIEW, now);
  }

  @Override
  public Decision decide(RolloutContext ctx, PhaseProgress progress, Observation obs) {
    Stage stage = progress.expect(KIND, Stage.PREVIEW, Stage.SWITCHED, Stage.BLUE_DRAINING).stage();
    GateVerdict verdict = Gates.evaluate(spec.gate(), obs.window(ctx.stableVersion()), obs.window(ctx.targetVersion()));
    if (verdict instanceof GateVerdict.Fail fail) return new Decision.RollBack(where(stage, ctx) + ": " + fail.reason());
    return switch (stage) {
      case PREVIEW -> preview(ctx, progress, obs, verdict);
      case SWITCHED -> switched(ctx, progress, obs, verdict);
      default -> draining(ctx, obs);
    };
  }

  private Decision preview(RolloutContext ctx, PhaseProgress progress, Observation obs, GateVerdict verdict) {
    String where = where(Stage.PREVIEW, ctx);
    int green = greenReplicas(ctx);
    int ready = obs.ready(ctx.targetVersion());
    if (ready < green) {
      return new Decision.Hold(where + ": warming green, " + ready + " of " + green + " replicas of version "
          + ctx.targetVersion() + " ready");
    }
    Duration left = progress.remaining(spec.previewTime(), obs.now());
    if (!left.isZero()) return new Decision.Hold(where + ": previewing" + byHeader() + ", " + Texts.duration(left) + " left");
    if (verdict instanceof GateVerdict.Wait wait) {
      return new Decision.Hold(where + ": preview time over, waiting for " + wait.why() + byHeader());
    }
    return new Decision.Advance(progress.in(Stage.SWITCHED, obs.now()), where + " passed the gate: "
        + ((GateVerdict.Pass) verdict).summary() + "; switching all traffic to version " + ctx.targetVersion());
  }

  private Decision switched(RolloutContext ctx, PhaseProgress progress, Observation obs, GateVerdict verdict) {
    String where = where(Stage.SWITCHED, ctx);
    Duration left = progress.remaining(spec.keepBlueWarm(), obs.now());
    if (!left.isZero()) return new Decision.Hold(where + ": keeping blue warm, " + Texts.duration(left) + " left");
    String gate = verdict instanceof GateVerdict.Pass pass ? pass.summary() : ((GateVerdict.Wait) verdict).why();
    return new Decision.Advance(progress.in(Stage.BLUE_DRAINING, obs.now()), where + ": kept blue warm for "
        + Texts.duration(spec.keepBlueWarm()) + " without a failing gate (" + gate + "); stopping version "
        + ctx.stableVersion());
  }

  private Decision draining(RolloutContext ctx, Observation obs) {
    int ready = obs.ready(ctx.stableVersion());
    if (ready > 0) {
      return new Decision.Hold(where(Stage.BLUE_DRAINING, ctx) + ": " + ready + " replicas of version "
          + ctx.stableVersion() + " still ready");
    }
    return new Decision.Complete("blue-green: blue (version " + ctx.stableVersion() + ") stopped, green (version "
        + ctx.targetVersion() + ") serves all traffic");
  }

  @Override
  public Traffic traffic(RolloutContext ctx, PhaseProgress progress, Map<Long, Integer> readyReplicas) {
    Stage stage = progress.expect(KIND, Stage.PREVIEW, Stage.SWITCHED, Stage.BLUE_DRAINING).stage();
    int green = stage == Stage.PREVIEW ? 0 : RoutingTable.ALL;
    List<TargetingRule> rules = stage == Stage.PREVIEW && hasPreviewHeader()
        ? List.of(new TargetingRule(spec.previewHeader(), Set.of(), ctx.targetVersion()))
        : List.of();
    int blueReplicas = stage == Stage.BLUE_DRAINING ? 0 : ctx.stableReplicas();
    return new Traffic(
        List.of(new WeightedVersion(ctx.targetVersion(), green),
            new WeightedVersion(ctx.stableVersion(), RoutingTable.ALL - green)),
        rules,
        Map.of(ctx.targetVersion(), greenReplicas(ctx), ctx.stableVersion(), blueReplicas))
        .towardsReady(ctx.stableVersion(), readyReplicas);
  }

  /** Enough green replicas to take all of blue's traffic, and at least green's registered count. */
  private static int greenReplicas(RolloutContext ctx) {
    return Math.max(ctx.stableReplicas(), ctx.targetReplicas());
  }

  private boolean hasPreviewHeader() {
    return spec.previewHeader() != null && !spec.previewHeader().isBlank();
  }

  private String byHeader() {
    return hasPreviewHeader() ? " (requests with header " + spec.previewHeader() + ")" : "";
  }

  private static String where(Stage stage, RolloutContext ctx) {
    return switch (stage) {
      case PREVIEW -> "blue-green preview of version " + ctx.targetVersion();
      case SWITCHED -> "blue-green, switched to version " + ctx.targetVersion();
      default -> "blue-green, stopping version " + ctx.stableVersion();
    };
  }
}

package io.turnout.persistence.rollout.strategy;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.Mirror;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A shadow phase: every user is served by stable, while edges copy the phase's share of stable's
 * requests to each candidate (the target when the spec names none), fire and forget, and compare
 * the answers. Candidates run their registered replica count; the target, unless it is a
 * candidate, runs none until a later phase needs it. One step, {@link Stage#BAKING}: the mirror is
 * in place and the phase waits out {@code duration}, then completes once every candidate passes
 * the {@link ShadowGates shadow gate}. A candidate that fails it rolls back at once, even before
 * the duration is over: the gate only fails on {@code minSamples} copies, and there is no reason to
 * keep mirroring to a version that will not be promoted.
 */
public record ShadowStrategy(PhaseSpec.Shadow spec) implements PhaseStrategy {
  private static final String KIND = "shadow";

  @Override
  public PhaseProgress start(Instant now) {
    return new PhaseProgress(0, Stage.BAKING, now);
  }

  @Override
  public Decision decide(RolloutContext ctx, PhaseProgress progress, Observation obs) {
    progress.expect(KIND, Stage.BAKING);
    List<Long> candidates = candidates(ctx);
    Map<Long, GateVerdict> verdicts = new HashMap<>();
    for (long candidate : candidates) {
      GateVerdict verdict = ShadowGates.evaluate(spec.gate(), obs.window(ctx.stableVersion()), shadowOf(obs, candidate));
      if (verdict instanceof GateVerdict.Fail fail) {
        return new Decision.RollBack("shadow, candidate version " + candidate + ": " + fail.reason());
      }
      verdicts.put(candidate, verdict);
    }
    for (long candidate : candidates) {
      if (obs.ready(candidate) == 0) {
        return new Decision.Hold("shadow: waiting for a ready replica of version " + candidate);
      }
    }
    Duration left = progress.remaining(spec.duration(), obs.now());
    if (!left.isZero()) {
      return new Decision.Hold("shadow: mirroring " + Texts.share(spec.mirrorBasisPoints()) + " of version "
          + ctx.stableVersion() + "'s requests, " + Texts.duration(left) + " left; " + sofar(candidates, obs));
    }
    for (long candidate : candidates) {
      if (verdicts.get(candidate) instanceof GateVerdict.Wait wait) {
        return new Decision.Hold("shadow: duration over, version " + candidate + " waiting for " + wait.why());
      }
    }
    return new Decision.Complete("shadow passed: " + candidates.stream()
        .map(c -> "version " + c + ": " + ((GateVerdict.Pass) verdicts.get(c)).summary())
        .collect(Collectors.joining("; ")));
  }

  @Override
  public Traffic traffic(RolloutContext ctx, PhaseProgress progress, Map<Long, Integer> readyReplicas) {
    progress.expect(KIND, Stage.BAKING);
    List<Long> candidates = candidates(ctx);
    Map<Long, Integer> replicas = new HashMap<>();
    replicas.put(ctx.stableVersion(), ctx.stableReplicas());
    replicas.put(ctx.targetVersion(), 0);
    for (long candidate : candidates) replicas.put(candidate, ctx.replicasOf(candidate));
    // The mirror does not follow readiness: edges skip a candidate with no ready replica, and a
    // table that changed with every replica start would only add revisions.
    return new Traffic(List.of(new WeightedVersion(ctx.stableVersion(), RoutingTable.ALL)), List.of(), replicas,
        new Mirror(candidates, spec.mirrorBasisPoints()), false);
  }

  /** The spec's candidates, or the target when it names none. */
  List<Long> candidates(RolloutContext ctx) {
    return spec.candidates().isEmpty() ? List.of(ctx.targetVersion()) : spec.candidates();
  }

  private static ShadowStats shadowOf(Observation obs, long version) {
    return obs.window(version).shadow();
  }

  private static String sofar(List<Long> candidates, Observation obs) {
    return candidates.stream().map(candidate -> {
      ShadowStats shadow = shadowOf(obs, candidate);
      String agreement = shadow.classified() == 0 ? "" : ", agreement " + Texts.percent(shadow.agreement());
      return "version " + candidate + ": " + shadow.compared() + " compared, " + shadow.dropped() + " dropped, "
          + shadow.errors() + " failed" + agreement;
    }).collect(Collectors.joining("; "));
  }
}

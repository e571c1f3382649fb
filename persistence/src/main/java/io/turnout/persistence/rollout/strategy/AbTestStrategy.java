package io.turnout.persistence.rollout.strategy;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An A/B test: the spec's arms (in the order written, which lays out the sticky buckets) and
 * targeting rules, unchanged for as long as the phase runs, with every version they name running
 * its registered replica count and stable kept running for a rollback. The phase never advances
 * or completes by itself: it holds until someone promotes or aborts the rollout. Its gate guards
 * every arm other than stable against stable, and the first arm that fails rolls the rollout back;
 * an arm short of samples is no reason to stop.
 */
public record AbTestStrategy(PhaseSpec.AbTest spec) implements PhaseStrategy {
  private static final String KIND = "A/B";

  @Override
  public PhaseProgress start(Instant now) {
    return new PhaseProgress(0, Stage.RUNNING, now);
  }

  @Override
  public Decision decide(RolloutContext ctx, PhaseProgress progress, Observation obs) {
    progress.expect(KIND, Stage.RUNNING);
    for (long version : versions()) {
      if (version == ctx.stableVersion()) continue;
      GateVerdict verdict = Gates.evaluate(spec.gate(), obs.window(ctx.stableVersion()), obs.window(version));
      if (verdict instanceof GateVerdict.Fail fail) {
        return new Decision.RollBack("A/B test, arm version " + version + ": " + fail.reason());
      }
    }
    String arms = spec.arms().stream()
        .map(arm -> "version " + arm.version() + " " + Texts.share(arm.basisPoints()) + " ("
            + obs.window(arm.version()).requests() + " requests)")
        .collect(Collectors.joining(", "));
    return new Decision.Hold("A/B test running for " + Texts.duration(progress.elapsed(obs.now())) + ": " + arms
        + "; promote or abort to end it");
  }

  @Override
  public Traffic traffic(RolloutContext ctx, PhaseProgress progress, Map<Long, Integer> readyReplicas) {
    progress.expect(KIND, Stage.RUNNING);
    Map<Long, Integer> replicas = new HashMap<>();
    replicas.put(ctx.stableVersion(), ctx.stableReplicas());
    replicas.put(ctx.targetVersion(), 0);
    for (long version : versions()) replicas.put(version, ctx.replicasOf(version));
    return new Traffic(spec.arms(), spec.rules(), replicas).towardsReady(ctx.stableVersion(), readyReplicas);
  }

  /** Every version the arms and rules name, arms first. */
  private Set<Long> versions() {
    Set<Long> versions = new LinkedHashSet<>();
    for (WeightedVersion arm : spec.arms()) versions.add(arm.version());
    for (TargetingRule rule : spec.rules()) versions.add(rule.version());
    return versions;
  }
}

package io.turnout.persistence.rollout.strategy;

import io.turnout.persistence.rollout.bandit.Allocation;
import io.turnout.persistence.rollout.bandit.Arm;
import io.turnout.persistence.rollout.bandit.BanditAlgorithm;
import io.turnout.persistence.rollout.bandit.Winner;
import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.Mirror;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * A multi-armed bandit over the spec's arms (stable and target when it names none): traffic is
 * drawn per request from the current allocation, which starts as an even split and is recomputed
 * every {@code reallocationInterval} by the spec's policy from every reward posted since the phase
 * began. Each recomputation is a {@link Decision.Reallocate} that the coordinator persists, with
 * the arms' totals in the new {@link BanditProgress}; an interval that brought no reward holds
 * instead, since there is nothing new to decide on.
 *
 * <p>With auto-promotion on, a reallocation that finds a winner ends the phase: the target
 * completes it, any other arm rolls the rollout back (the target lost). On every evaluation the
 * gate judges each arm but stable against stable over everything since the phase began, and a
 * failing arm rolls back at once, as in an A/B test. Every arm runs its registered replica count
 * and stable keeps running for a rollback; an arm with no ready replica lends its share to stable.
 *
 * <p>Thompson's draws come from a generator seeded by the model, the step and its start, so that
 * evaluating the same progress twice gives the same allocation.
 */
public record BanditStrategy(PhaseSpec.Bandit spec) implements PhaseStrategy {
  private static final String KIND = "bandit";
  /** UCB1 plays at least this many rounds ahead, so that a quiet interval still gives smooth shares. */
  static final long MIN_HORIZON = 100;

  @Override
  public PhaseProgress start(Instant now) {
    return new PhaseProgress(0, Stage.ALLOCATING, now, BanditProgress.FIRST);
  }

  @Override
  public Decision decide(RolloutContext ctx, PhaseProgress progress, Observation obs) {
    BanditProgress bandit = banditOf(progress);
    List<Long> arms = arms(ctx);
    // Over the whole phase, not since the last reallocation: an arm held at its floor may never
    // bring minSamples in one interval, and would go ungated.
    VersionWindow stable = bandit.totalsOf(ctx.stableVersion()).plus(obs.window(ctx.stableVersion()));
    for (long version : arms) {
      if (version == ctx.stableVersion()) continue;
      GateVerdict verdict = Gates.evaluate(spec.gate(), stable, bandit.totalsOf(version).plus(obs.window(version)));
      if (verdict instanceof GateVerdict.Fail fail) {
        return new Decision.RollBack("bandit, arm version " + version + ": " + fail.reason());
      }
    }
    String where = "bandit (" + spec.policy().wireName() + ") " + shares(weights(ctx, bandit));
    Duration left = progress.remaining(spec.reallocationInterval(), obs.now());
    if (!left.isZero()) return new Decision.Hold(where + ": next reallocation in " + Texts.duration(left));
    long newRewards = arms.stream().mapToLong(version -> obs.window(version).rewards().count()).sum();
    if (newRewards == 0) return new Decision.Hold(where + ": no rewards since the last allocation");

    List<Arm> rewards = arms.stream()
        .map(version -> new Arm(version, bandit.totalsOf(version).rewards().plus(obs.window(version).rewards())))
        .toList();
    BanditAlgorithm algorithm = BanditAlgorithm.of(spec.policy(), spec.epsilon());
    Allocation allocation = algorithm.allocate(rewards, spec.floorBasisPoints(), Math.max(MIN_HORIZON, newRewards),
        new SplittableRandom(seed(ctx, progress)));
    Optional<Winner> winner = algorithm.winner(rewards, allocation, spec.promoteThreshold(), spec.minRewards());
    if (winner.isPresent()) return ended(ctx, winner.get());
    return new Decision.Reallocate(progress.nextStep(obs.now(), bandit.next(arms, obs.windows(), allocation.weights())),
        spec.policy().wireName() + ": " + shares(allocation.weights()) + " (" + allocation.evidence() + ")");
  }

  private Decision ended(RolloutContext ctx, Winner winner) {
    String policy = "bandit (" + spec.policy().wireName() + "): ";
    if (winner.version() == ctx.targetVersion()) return new Decision.Complete(policy + winner.evidence());
    String lost = winner.version() == ctx.stableVersion()
        ? "the stable version beats the target"
        : "version " + winner.version() + ", not the target " + ctx.targetVersion() + ", wins";
    return new Decision.RollBack(policy + lost + ": " + winner.evidence());
  }

  @Override
  public Traffic traffic(RolloutContext ctx, PhaseProgress progress, Map<Long, Integer> readyReplicas) {
    BanditProgress bandit = banditOf(progress);
    Map<Long, Integer> replicas = new HashMap<>();
    replicas.put(ctx.stableVersion(), ctx.stableReplicas());
    replicas.put(ctx.targetVersion(), 0);
    for (long version : arms(ctx)) replicas.put(version, ctx.replicasOf(version));
    // Drawn per request: an allocation is a probability, and a client sending many requests must
    // not stay on one arm (users who send the sticky header still keep theirs).
    return new Traffic(weights(ctx, bandit), List.of(), replicas, Mirror.NONE, true)
        .towardsReady(ctx.stableVersion(), readyReplicas);
  }

  /** The arms in the order written; stable and target when the spec names none. */
  public List<Long> arms(RolloutContext ctx) {
    return spec.arms().isEmpty() ? List.of(ctx.stableVersion(), ctx.targetVersion()) : spec.arms();
  }

  private List<WeightedVersion> weights(RolloutContext ctx, BanditProgress bandit) {
    if (!bandit.allocation().isEmpty()) return bandit.allocation();
    List<Long> arms = arms(ctx);
    Map<Long, Integer> even = new HashMap<>();
    arms.forEach(arm -> even.put(arm, 1));
    return Weights.proportional(arms, even);
  }

  private static BanditProgress banditOf(PhaseProgress progress) {
    progress.expect(KIND, Stage.ALLOCATING);
    if (progress.bandit() == null) throw new IllegalArgumentException("progress " + progress + " has no bandit state");
    return progress.bandit();
  }

  private static String shares(List<WeightedVersion> weights) {
    return weights.stream().map(w -> "v" + w.version() + " " + Texts.share(w.basisPoints()))
        .collect(Collectors.joining(", "));
  }

  private static long seed(RolloutContext ctx, PhaseProgress progress) {
    return Objects.hash(ctx.model(), progress.step(), progress.startedAt());
  }
}

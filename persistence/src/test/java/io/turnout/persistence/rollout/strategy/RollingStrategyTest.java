package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.IRIS;
import static io.turnout.persistence.rollout.strategy.Fixtures.STABLE;
import static io.turnout.persistence.rollout.strategy.Fixtures.T0;
import static io.turnout.persistence.rollout.strategy.Fixtures.TARGET;
import static io.turnout.persistence.rollout.strategy.Fixtures.at;
import static io.turnout.persistence.rollout.strategy.Fixtures.healthy;
import static io.turnout.persistence.rollout.strategy.Fixtures.minutes;
import static io.turnout.persistence.rollout.strategy.Fixtures.observe;
import static io.turnout.persistence.rollout.strategy.Fixtures.ready;
import static io.turnout.persistence.rollout.strategy.Fixtures.window;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RollingStrategyTest {
  private static final Gate GATE = new Gate(100, 0.01, 1.5);
  /** Start a new replica before stopping an old one; bake each replacement two minutes. */
  private static final PhaseSpec.Rolling SURGE = new PhaseSpec.Rolling(1, 0, minutes(2), GATE);
  /** Stop an old replica before starting a new one. */
  private static final PhaseSpec.Rolling REMOVE_FIRST = new PhaseSpec.Rolling(0, 1, minutes(2), GATE);
  /** Three replicas of v1 replaced by three of v2. */
  private static final RolloutContext THREE = new RolloutContext("iris", STABLE, TARGET, "X-User-Id", 3, 3);

  private static PhaseProgress progress(int step, Stage stage, Instant since) {
    return new PhaseProgress(step, stage, since);
  }

  private static Observation healthyWith(Instant now, Map<Long, Integer> ready) {
    return observe(now, healthy(), healthy(), ready);
  }

  @Test
  void startsWithTheFirstReplacementOnePerReplicaSlot() {
    assertEquals(progress(0, Stage.REPLACING, T0), PhaseProgress.start(SURGE, T0));
    assertEquals(3, RollingStrategy.replacements(THREE));
    assertEquals(3, RollingStrategy.replacements(IRIS), "3 of v1 become 2 of v2: three slots");
    assertEquals(4, RollingStrategy.replacements(new RolloutContext("iris", STABLE, TARGET, "", 2, 4)));
  }

  @Test
  void withSurgeANewReplicaStartsBeforeAnOldOneStops() {
    PhaseStrategy rolling = PhaseStrategy.of(SURGE);
    PhaseProgress first = progress(0, Stage.REPLACING, T0);

    assertEquals(Map.of(TARGET, 1, STABLE, 3), rolling.traffic(THREE, first, ready(3, 0)).replicas());
    assertEquals(Map.of(TARGET, 1, STABLE, 2), rolling.traffic(THREE, first, ready(3, 1)).replicas());
    assertEquals(Map.of(TARGET, 2, STABLE, 2), rolling.traffic(THREE, progress(1, Stage.REPLACING, T0), ready(2, 1)).replicas());
  }

  @Test
  void aLargerSurgeStillReplacesOneAtATime() {
    PhaseStrategy rolling = PhaseStrategy.of(new PhaseSpec.Rolling(3, 2, minutes(2), GATE));

    assertEquals(Map.of(TARGET, 1, STABLE, 3), rolling.traffic(THREE, progress(0, Stage.REPLACING, T0), ready(3, 0)).replicas());
  }

  @Test
  void withoutSurgeAnOldReplicaStopsBeforeANewOneStarts() {
    PhaseStrategy rolling = PhaseStrategy.of(REMOVE_FIRST);
    PhaseProgress first = progress(0, Stage.REPLACING, T0);

    assertEquals(Map.of(TARGET, 0, STABLE, 2), rolling.traffic(THREE, first, ready(3, 0)).replicas());
    assertEquals(Map.of(TARGET, 1, STABLE, 2), rolling.traffic(THREE, first, ready(2, 0)).replicas());
  }

  @Test
  void weightsFollowTheReadyReplicasOfEachVersionTargetFirst() {
    PhaseStrategy rolling = PhaseStrategy.of(SURGE);
    PhaseProgress first = progress(0, Stage.REPLACING, T0);

    assertEquals(List.of(new WeightedVersion(TARGET, 0), new WeightedVersion(STABLE, RoutingTable.ALL)),
        rolling.traffic(THREE, first, ready(3, 0)).weights());
    assertEquals(List.of(new WeightedVersion(TARGET, 2500), new WeightedVersion(STABLE, 7500)),
        rolling.traffic(THREE, first, ready(3, 1)).weights());
    assertEquals(List.of(new WeightedVersion(TARGET, 3333), new WeightedVersion(STABLE, 6667)),
        rolling.traffic(THREE, first, ready(2, 1)).weights());
    assertEquals(List.of(new WeightedVersion(TARGET, 0), new WeightedVersion(STABLE, RoutingTable.ALL)),
        rolling.traffic(THREE, first, Map.of()).weights(), "nothing ready: the table stays on stable");
  }

  @Test
  void weightsAlwaysAddUpToAllTraffic() {
    PhaseStrategy rolling = PhaseStrategy.of(SURGE);
    RolloutContext large = new RolloutContext("iris", STABLE, TARGET, "", 13, 11);
    for (int s = 0; s <= 13; s++) {
      for (int t = 0; t <= 11; t++) {
        Traffic traffic = rolling.traffic(large, progress(5, Stage.BAKING, T0), ready(s, t));
        assertEquals(RoutingTable.ALL, traffic.weightOf(TARGET) + traffic.weightOf(STABLE), s + " stable, " + t + " target");
        if (s + t > 0) assertEquals(10_000.0 * t / (s + t), traffic.weightOf(TARGET), 1.0);
      }
    }
  }

  @Test
  void waitsUntilTheNewReplicaIsReadyAndTheOldOneStoppedThenBakes() {
    PhaseStrategy rolling = PhaseStrategy.of(SURGE);
    PhaseProgress first = progress(0, Stage.REPLACING, T0);
    Instant now = at(minutes(1));

    assertEquals(new Decision.Hold("rolling replacement 1 of 3: waiting for replicas (version 2: 0 of 1 ready; "
        + "version 1: 3 ready, 2 wanted)"), rolling.decide(THREE, first, healthyWith(now, ready(3, 0))));
    assertInstanceOf(Decision.Hold.class, rolling.decide(THREE, first, healthyWith(now, ready(3, 1))));
    Decision.Advance baking = assertInstanceOf(Decision.Advance.class, rolling.decide(THREE, first, healthyWith(now, ready(2, 1))));
    assertEquals(progress(0, Stage.BAKING, now), baking.next());
    assertEquals("rolling replacement 1 of 3: 1 of version 2 and 2 of version 1 ready; baking for 2m", baking.cause());
  }

  @Test
  void afterTheBakeAPassingGateStartsTheNextReplacement() {
    PhaseStrategy rolling = PhaseStrategy.of(SURGE);
    PhaseProgress baking = progress(0, Stage.BAKING, T0);

    assertEquals(new Decision.Hold("rolling replacement 1 of 3: baking, 30s left"),
        rolling.decide(THREE, baking, healthyWith(T0.plusSeconds(90), ready(2, 1))));
    Decision.Advance next = assertInstanceOf(Decision.Advance.class,
        rolling.decide(THREE, baking, healthyWith(at(minutes(2)), ready(2, 1))));
    assertEquals(progress(1, Stage.REPLACING, at(minutes(2))), next.next());
    assertTrue(next.cause().startsWith("rolling replacement 1 of 3 passed the gate: error rate"), next.cause());
    assertEquals(Map.of(TARGET, 2, STABLE, 2), rolling.traffic(THREE, next.next(), ready(2, 1)).replicas());
  }

  @Test
  void holdsAfterTheBakeWhileTheTargetHasTooFewSamples() {
    Decision decision = PhaseStrategy.of(SURGE).decide(THREE, progress(0, Stage.BAKING, T0),
        observe(at(minutes(3)), healthy(), window(30, 0, 20_000), ready(2, 1)));

    assertEquals(new Decision.Hold("rolling replacement 1 of 3: baked, waiting for 30 of 100 target requests so far"), decision);
  }

  @Test
  void aFailingGateRollsBackEvenWhileReplacing() {
    Decision decision = PhaseStrategy.of(SURGE).decide(THREE, progress(1, Stage.REPLACING, T0),
        observe(at(minutes(1)), window(5_000, 0, 20_000), window(1_000, 0, 90_000), ready(2, 1)));

    Decision.RollBack rollBack = assertInstanceOf(Decision.RollBack.class, decision);
    assertTrue(rollBack.reason().startsWith("rolling replacement 2 of 3: p99 "), rollBack.reason());
  }

  @Test
  void completesWhenTheLastReplacementPassesItsGate() {
    PhaseStrategy rolling = PhaseStrategy.of(SURGE);
    PhaseProgress last = progress(2, Stage.BAKING, T0);

    Decision decision = rolling.decide(THREE, last, observe(at(minutes(2)), Fixtures.none(), healthy(), ready(0, 3)));

    assertInstanceOf(Decision.Complete.class, decision);
    Traffic traffic = rolling.traffic(THREE, last, ready(0, 3));
    assertEquals(Map.of(TARGET, 3, STABLE, 0), traffic.replicas());
    assertEquals(RoutingTable.ALL, traffic.weightOf(TARGET));
    assertThrows(IllegalArgumentException.class, () -> rolling.traffic(THREE, progress(3, Stage.REPLACING, T0), ready(0, 3)));
  }

  @Test
  void aSurgingRolloutReplacesOneReplicaAtATimeAndNeverDropsBelowFullCapacity() {
    Cluster cluster = rollOut(SURGE, THREE);

    assertEquals(4, cluster.maxRunning, "one extra replica at most");
    assertEquals(3, cluster.minReady, "never fewer ready than before");
    assertEquals(Map.of(TARGET, 3, STABLE, 0), cluster.ready);
  }

  @Test
  void aRemoveFirstRolloutNeverRunsAnExtraReplicaAndLosesAtMostOne() {
    Cluster cluster = rollOut(REMOVE_FIRST, THREE);

    assertEquals(3, cluster.maxRunning, "no surge");
    assertEquals(2, cluster.minReady, "one unavailable at most");
    assertEquals(Map.of(TARGET, 3, STABLE, 0), cluster.ready);
  }

  @Test
  void differingReplicaCountsAreReconciledAlongTheWay() {
    assertEquals(Map.of(TARGET, 2, STABLE, 0), rollOut(SURGE, IRIS).ready);
    assertEquals(Map.of(TARGET, 4, STABLE, 0),
        rollOut(REMOVE_FIRST, new RolloutContext("iris", STABLE, TARGET, "", 2, 4)).ready);
  }

  /**
   * Runs a healthy rolling phase to completion against a cluster that stops replicas at once and
   * makes a started one ready a minute later, checking at every tick that replicas change one at a
   * time and that the target's share of traffic only grows.
   */
  private static Cluster rollOut(PhaseSpec.Rolling spec, RolloutContext ctx) {
    PhaseStrategy rolling = PhaseStrategy.of(spec);
    Cluster cluster = new Cluster(ctx);
    PhaseProgress progress = rolling.start(T0);
    Decision decision = null;
    Instant now = T0;
    int lastShare = 0;
    Traffic previous = rolling.traffic(ctx, progress, cluster.ready);
    for (int tick = 0; tick < 200 && !(decision instanceof Decision.Complete); tick++) {
      now = now.plus(minutes(1));
      cluster.startedAreReady();
      decision = rolling.decide(ctx, progress, healthyWith(now, cluster.ready));
      assertTrue(!(decision instanceof Decision.RollBack), decision.toString());
      if (decision instanceof Decision.Advance advance) progress = advance.next();

      Traffic traffic = rolling.traffic(ctx, progress, cluster.ready);
      assertTrue(traffic.replicasOf(TARGET) - previous.replicasOf(TARGET) <= 1, "at most one new target replica at a time");
      assertTrue(previous.replicasOf(STABLE) - traffic.replicasOf(STABLE) <= 1, "at most one stable replica stops at a time");
      assertTrue(traffic.weightOf(TARGET) >= lastShare, "the target's share only grows");
      lastShare = traffic.weightOf(TARGET);
      previous = traffic;
      cluster.reconcile(traffic);
    }
    assertInstanceOf(Decision.Complete.class, decision);
    return cluster;
  }

  /** Replicas per version: stopping is immediate, starting takes one tick. */
  private static final class Cluster {
    Map<Long, Integer> ready;
    int startingTarget;
    int maxRunning;
    int minReady;

    Cluster(RolloutContext ctx) {
      ready = ready(ctx.stableReplicas(), 0);
      maxRunning = ctx.stableReplicas();
      minReady = ctx.stableReplicas();
    }

    void startedAreReady() {
      ready = ready(ready.get(STABLE), ready.get(TARGET) + startingTarget);
      startingTarget = 0;
    }

    void reconcile(Traffic traffic) {
      int stable = Math.min(ready.get(STABLE), traffic.replicasOf(STABLE));
      int target = Math.min(ready.get(TARGET), traffic.replicasOf(TARGET));
      startingTarget = traffic.replicasOf(TARGET) - target;
      ready = ready(stable, target);
      maxRunning = Math.max(maxRunning, stable + target + startingTarget);
      minReady = Math.min(minReady, stable + target);
    }
  }
}

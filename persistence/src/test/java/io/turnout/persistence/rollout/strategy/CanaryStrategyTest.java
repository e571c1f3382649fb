package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.IRIS;
import static io.turnout.persistence.rollout.strategy.Fixtures.STABLE;
import static io.turnout.persistence.rollout.strategy.Fixtures.T0;
import static io.turnout.persistence.rollout.strategy.Fixtures.TARGET;
import static io.turnout.persistence.rollout.strategy.Fixtures.allReady;
import static io.turnout.persistence.rollout.strategy.Fixtures.at;
import static io.turnout.persistence.rollout.strategy.Fixtures.healthy;
import static io.turnout.persistence.rollout.strategy.Fixtures.healthyAt;
import static io.turnout.persistence.rollout.strategy.Fixtures.minutes;
import static io.turnout.persistence.rollout.strategy.Fixtures.observe;
import static io.turnout.persistence.rollout.strategy.Fixtures.ready;
import static io.turnout.persistence.rollout.strategy.Fixtures.routeUser;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CanaryStrategyTest {
  /** 5 → 25 → 50 → 100 %, ten minutes each, the default gate (100 samples, +1 point, 1.5 × p99). */
  private static final PhaseSpec.Canary SPEC =
      new PhaseSpec.Canary(List.of(500, 2500, 5000, 10_000), minutes(10), new Gate(100, 0.01, 1.5));
  private static final PhaseStrategy CANARY = PhaseStrategy.of(SPEC);

  private static PhaseProgress step(int index, Instant since) {
    return new PhaseProgress(index, Stage.BAKING, since);
  }

  @Test
  void startsAtTheFirstStep() {
    assertEquals(step(0, T0), PhaseProgress.start(SPEC, T0));
    assertEquals(new CanaryStrategy(SPEC), CANARY);
  }

  @Test
  void eachStepSendsItsWeightToTheTargetListedFirst() {
    int[] expected = {500, 2500, 5000, 10_000};
    for (int i = 0; i < expected.length; i++) {
      Traffic traffic = CANARY.traffic(IRIS, step(i, T0), allReady());

      assertEquals(List.of(new WeightedVersion(TARGET, expected[i]), new WeightedVersion(STABLE, RoutingTable.ALL - expected[i])),
          traffic.weights(), "step " + i);
      assertEquals(List.of(), traffic.rules());
      assertEquals(Map.of(TARGET, 2, STABLE, 3), traffic.replicas(), "target at its registered count, stable kept");
    }
  }

  @Test
  void noTrafficReachesTheTargetBeforeOneOfItsReplicasIsReady() {
    Traffic traffic = CANARY.traffic(IRIS, step(0, T0), ready(3, 0));
    Decision decision = CANARY.decide(IRIS, step(0, T0), observe(at(minutes(30)), healthy(), Fixtures.none(), ready(3, 0)));

    assertEquals(0, traffic.weightOf(TARGET));
    assertEquals(2, traffic.replicasOf(TARGET), "but its replicas are wanted");
    assertEquals(new Decision.Hold("canary step 1 of 4 (5 %): waiting for a ready replica of version 2"), decision);
  }

  @Test
  void holdsWhileTheStepBakes() {
    Decision decision = CANARY.decide(IRIS, step(0, T0), healthyAt(at(minutes(9))));

    assertEquals(new Decision.Hold("canary step 1 of 4 (5 %): baking, 1m left"), decision);
  }

  @Test
  void advancesToTheNextStepAfterTheBakeTimeAndAPassingGate() {
    Instant now = at(minutes(10));

    Decision decision = CANARY.decide(IRIS, step(0, T0), healthyAt(now));

    Decision.Advance advance = assertInstanceOf(Decision.Advance.class, decision);
    assertEquals(step(1, now), advance.next());
    assertTrue(advance.cause().startsWith("canary step 1 of 4 (5 %) passed the gate: error rate 0.0 % vs stable 0.0 %"),
        advance.cause());
    assertTrue(advance.cause().endsWith("; next 25 % to version 2"), advance.cause());
  }

  @Test
  void holdsAfterTheBakeWhenTheTargetHasTooFewSamples() {
    Decision decision = CANARY.decide(IRIS, step(1, T0), observe(at(minutes(15)), healthy(), window(40, 0, 20_000), allReady()));

    assertEquals(new Decision.Hold("canary step 2 of 4 (25 %): baked, waiting for 40 of 100 target requests so far"), decision);
  }

  @Test
  void rollsBackWhenTheErrorRateRisesOverStable() {
    Decision decision = CANARY.decide(IRIS, step(1, T0),
        observe(at(minutes(10)), window(10_000, 40, 20_000), window(500, 60, 20_000), allReady()));

    assertEquals(new Decision.RollBack("canary step 2 of 4 (25 %): error rate 12.0 % vs stable 0.40 % (max +1.0 points)"
        + " over 500 target requests"), decision);
  }

  @Test
  void rollsBackWhenP99ExceedsTheRatioOverStable() {
    Decision decision = CANARY.decide(IRIS, step(1, T0),
        observe(at(minutes(10)), window(10_000, 0, 20_000), window(500, 0, 60_000), allReady()));

    Decision.RollBack rollBack = assertInstanceOf(Decision.RollBack.class, decision);
    assertTrue(rollBack.reason().startsWith("canary step 2 of 4 (25 %): p99 "), rollBack.reason());
  }

  @Test
  void aFailingGateRollsBackWithoutWaitingForTheBakeTime() {
    Decision decision = CANARY.decide(IRIS, step(0, T0),
        observe(at(minutes(1)), window(10_000, 0, 20_000), window(100, 50, 20_000), allReady()));

    assertInstanceOf(Decision.RollBack.class, decision);
  }

  @Test
  void completesWhenTheLastStepPassesItsGate() {
    Decision early = CANARY.decide(IRIS, step(3, T0), healthyAt(at(minutes(5))));
    Decision done = CANARY.decide(IRIS, step(3, T0), observe(at(minutes(10)), Fixtures.none(), healthy(), allReady()));

    assertInstanceOf(Decision.Hold.class, early);
    Decision.Complete complete = assertInstanceOf(Decision.Complete.class, done);
    assertTrue(complete.cause().startsWith("canary step 4 of 4 (100 %) passed the gate: error rate 0.0 % with no stable baseline"),
        complete.cause());
  }

  @Test
  void aHealthyCanaryWalksThroughEveryStepToComplete() {
    PhaseProgress progress = CANARY.start(T0);
    List<Integer> weightsSeen = new ArrayList<>();
    Decision decision = null;
    Instant now = T0;
    for (int tick = 0; tick < 60 && !(decision instanceof Decision.Complete); tick++) {
      now = now.plus(minutes(1));
      decision = CANARY.decide(IRIS, progress, healthyAt(now));
      if (decision instanceof Decision.Advance advance) progress = advance.next();
      int weight = CANARY.traffic(IRIS, progress, allReady()).weightOf(TARGET);
      if (weightsSeen.isEmpty() || weightsSeen.get(weightsSeen.size() - 1) != weight) weightsSeen.add(weight);
    }

    assertInstanceOf(Decision.Complete.class, decision);
    assertEquals(at(minutes(40)), now, "four steps of ten minutes each");
    assertEquals(List.of(500, 2500, 5000, 10_000), weightsSeen);
  }

  @Test
  void aUserOnTheCanaryStaysOnItAsTheWeightGrows() {
    Set<String> onCanary = new HashSet<>();
    long revision = 1;
    for (int i = 0; i < SPEC.stepsBasisPoints().size(); i++) {
      RoutingTable table = RoutingTables.of(IRIS, revision++, CANARY.traffic(IRIS, step(i, T0), allReady()));
      Set<String> now = new HashSet<>();
      for (int u = 0; u < 20_000; u++) {
        if (routeUser(table, "user-" + u) == TARGET) now.add("user-" + u);
      }

      assertTrue(now.containsAll(onCanary), "a user left the canary at step " + (i + 1));
      assertEquals(SPEC.stepsBasisPoints().get(i) / (double) RoutingTable.ALL, now.size() / 20_000.0, 0.02);
      onCanary = now;
    }
  }

  @Test
  void progressOfAnotherKindOfPhaseIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> CANARY.decide(IRIS, new PhaseProgress(0, Stage.PREVIEW, T0), healthyAt(T0)));
    assertThrows(IllegalArgumentException.class, () -> CANARY.traffic(IRIS, step(4, T0), allReady()));
  }
}

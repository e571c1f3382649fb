package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.RolloutCoordinator.GateFailed;
import io.turnout.persistence.rollout.RolloutCoordinator.GatePassed;
import io.turnout.persistence.rollout.RolloutCoordinator.Promoted;
import io.turnout.persistence.rollout.RolloutCoordinator.RolledBack;
import io.turnout.persistence.rollout.RolloutCoordinator.StepAdvanced;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.RoutingTable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A canary 5 → 25 → 100 % of version 2 left to itself: the gate advances it, promotes it or rolls it back. */
class CanaryRolloutTest extends CoordinatorFixture {

  @BeforeEach
  void aCanaryServesFivePercent() {
    givenCanaryServingFivePercent();
  }

  @Test
  void aHealthyCanaryAdvancesStepByStepAndIsPromotedOnItsOwn() {
    // Step 1 (5 %) baked with enough healthy samples: on to 25 %.
    reportHealthyTraffic(100);
    clock.advance(BAKE);
    Instant second = clock.instant();
    var result = evaluate();
    assertEquals(List.of(GatePassed.class, StepAdvanced.class, WeightsChanged.class), kinds(result.events()));
    GatePassed passed = (GatePassed) result.events().get(0);
    assertEquals(GATE_ACTOR, passed.by());
    assertTrue(passed.summary().startsWith("canary step 1 of 3 (5 %) passed the gate"), passed.summary());
    StepAdvanced advanced = (StepAdvanced) result.events().get(1);
    assertEquals(new PhaseProgress(1, Stage.BAKING, second), advanced.progress());
    assertTrue(advanced.cause().endsWith("next 25 % to version 2"), advanced.cause());
    assertEquals(new WeightsChanged(canaryTable(3, 2_500), GATE_ACTOR, advanced.cause(), second), result.events().get(2));
    assertEquals(new PhaseProgress(1, Stage.BAKING, second), result.state().active().progress());
    assertEquals(canaryTable(3, 2_500), assertOneTablePublished(result));

    // Step 2 (25 %): on to 100 %.
    reportHealthyTraffic(100);
    clock.advance(BAKE);
    result = evaluate();
    assertEquals(List.of(GatePassed.class, StepAdvanced.class, WeightsChanged.class), kinds(result.events()));
    assertEquals(2, result.state().active().progress().step());
    assertEquals(canaryTable(4, 10_000), assertOneTablePublished(result));

    // Step 3 (100 %): stable serves nobody now, so the target is judged on its own.
    report(Map.of(TARGET, healthy(100)), ALL_READY);
    clock.advance(BAKE);
    Instant end = clock.instant();
    result = evaluate();
    assertEquals(List.of(Promoted.class, WeightsChanged.class), kinds(result.events()));
    Promoted promoted = (Promoted) result.events().get(0);
    assertEquals(TARGET, promoted.version());
    assertEquals(GATE_ACTOR, promoted.by());
    assertTrue(promoted.cause().startsWith("canary step 3 of 3 (100 %) passed the gate"), promoted.cause());
    assertEquals(new WeightsChanged(promotedTable(5), GATE_ACTOR, "promoted", end), result.events().get(1));
    assertEquals(TARGET, result.state().stableVersion());
    assertFalse(result.state().rolling());
    // All traffic on version 2 at its registered count; version 1's replicas stop.
    assertEquals(promotedTable(5), assertOneTablePublished(result));
  }

  @Test
  void aTargetWithAMuchHigherErrorRateIsRolledBackInOneTableChangeWithoutWaitingForTheBake() {
    report(traffic(healthy(1_900), window(100, 10, 20_000)), ALL_READY);
    clock.advance(BAKE.dividedBy(5));
    Instant now = clock.instant();

    var result = evaluate();

    assertEquals(List.of(GateFailed.class, RolledBack.class, WeightsChanged.class), kinds(result.events()));
    GateFailed failed = (GateFailed) result.events().get(0);
    assertEquals(GATE_ACTOR, failed.by());
    assertTrue(failed.reason().contains("error rate 10.0 % vs stable 0.0 %"), failed.reason());
    assertEquals(new RolledBack(STABLE, GATE_ACTOR, failed.reason(), now), result.events().get(1));
    assertEquals(new WeightsChanged(rolledBackTable(3), GATE_ACTOR, "rolled back", now), result.events().get(2));
    assertEquals(STABLE, result.state().stableVersion());
    assertFalse(result.state().rolling());
    // One table change: all traffic back on version 1, version 2's replicas stop.
    assertEquals(rolledBackTable(3), assertOneTablePublished(result));
  }

  @Test
  void aTargetWithAMuchSlowerP99IsRolledBack() {
    report(traffic(healthy(1_900), window(100, 0, 100_000)), ALL_READY);

    var result = evaluate();

    assertEquals(List.of(GateFailed.class, RolledBack.class, WeightsChanged.class), kinds(result.events()));
    assertTrue(((GateFailed) result.events().get(0)).reason().contains("p99"), result.events().get(0).detail());
    assertEquals(rolledBackTable(3), assertOneTablePublished(result));
  }

  @Test
  void aTargetWithinTheGatesLimitsIsNotRolledBack() {
    // One point more errors and a p99 up to 1.5 times stable's are still allowed.
    report(traffic(window(1_900, 19, 20_000), window(100, 2, 28_000)), ALL_READY);
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
  }

  @Test
  void samplesFromEveryNodeAddUpForTheGate() {
    clock.advance(BAKE);
    report("node-1", traffic(healthy(950), healthy(50)), ALL_READY);
    assertEquals(List.of(), evaluate().events(), "50 target requests are not enough");
    report("node-2", traffic(healthy(950), healthy(50)), ALL_READY);

    var result = evaluate();

    assertEquals(List.of(GatePassed.class, StepAdvanced.class, WeightsChanged.class), kinds(result.events()));
    assertTrue(((GatePassed) result.events().get(0)).summary().contains("over 100 target requests"),
        result.events().get(0).detail());
  }

  @Test
  void eachStepIsJudgedOnItsOwnSamplesAndBakesAgain() {
    reportHealthyTraffic(100);
    clock.advance(BAKE);
    evaluate();
    published.take();
    RolloutState secondStep = coordinator.getState();

    clock.advance(BAKE);
    assertNothingHappened(secondStep, evaluate()); // the first step's samples are gone
    reportHealthyTraffic(100);
    clock.set(secondStep.active().progress().startedAt().plus(BAKE).minusMillis(1));
    assertNothingHappened(secondStep, evaluate()); // samples, but not baked yet

    clock.advance(Duration.ofMillis(1));
    assertEquals(canaryTable(4, 10_000), evaluate().state().table());
  }

  @Test
  void aStepWaitsForATargetThatLostItsReadyReplicas() {
    reportHealthyTraffic(100);
    report(Map.of(), STABLE_READY);
    clock.advance(BAKE);

    var result = evaluate();

    // No gate decision while the target cannot serve; its share goes back to stable meanwhile.
    assertEquals(List.of(new WeightsChanged(canaryTable(3, 0), GATE_ACTOR, "ready replicas changed", clock.instant())),
        result.events());
    assertTrue(status().lastDecision().contains("waiting for a ready replica of version 2"), status().lastDecision());
    RoutingTable table = assertOneTablePublished(result);
    assertEquals(0, table.weightOf(TARGET));
  }
}

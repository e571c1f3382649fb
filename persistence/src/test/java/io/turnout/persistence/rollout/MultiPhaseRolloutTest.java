package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.RolloutCoordinator.GatePassed;
import io.turnout.persistence.rollout.RolloutCoordinator.PhaseEntered;
import io.turnout.persistence.rollout.RolloutCoordinator.Promoted;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Plans of several phases: when one completes, the next is entered within the same rollout. */
class MultiPhaseRolloutTest extends CoordinatorFixture {
  static final List<TargetingRule> BETA_TESTERS = List.of(new TargetingRule("X-Beta", Set.of("yes"), TARGET));

  @Test
  void aCanaryThenAnAbTestEntersTheAbTestAndHoldsItUntilPromoted() {
    PhaseSpec.AbTest ab = new PhaseSpec.AbTest(List.of(weight(TARGET, 5_000), weight(STABLE, 5_000)), BETA_TESTERS,
        GATE);
    givenStartedAndReady(plan(TARGET, canaryPhase(500), ab));
    reportHealthyTraffic(100);
    clock.advance(BAKE);
    Instant entered = clock.instant();

    var result = evaluate();

    assertEquals(List.of(GatePassed.class, PhaseEntered.class, WeightsChanged.class), kinds(result.events()));
    assertEquals(new PhaseEntered(1, new PhaseProgress(0, Stage.RUNNING, entered), GATE_ACTOR, "ab starts", entered),
        result.events().get(1));
    RoutingTable split = table(3, ab.arms(), BETA_TESTERS, CANARY_REPLICAS);
    assertEquals(new WeightsChanged(split, GATE_ACTOR, "ab starts", entered), result.events().get(2));
    assertEquals(1, result.state().active().phaseIndex());
    assertEquals(split, assertOneTablePublished(result));

    // An A/B test runs until someone ends it, whatever time passes and however healthy it is.
    reportHealthyTraffic(10_000);
    clock.advance(BAKE.multipliedBy(100));
    RolloutState running = coordinator.getState();
    assertNothingHappened(running, evaluate());
    assertTrue(status().lastDecision().contains("promote or abort to end it"), status().lastDecision());

    var promoted = promote(ALICE);
    assertEquals(List.of(Promoted.class, WeightsChanged.class), kinds(promoted.events()));
    assertFalse(promoted.state().rolling());
    assertEquals(promotedTable(4), assertOneTablePublished(promoted));
  }

  @Test
  void aCanaryThenABlueGreenGoesBackToPreviewForTheSwitch() {
    givenStartedAndReady(plan(TARGET, canaryPhase(500), blueGreenPhase()));
    reportHealthyTraffic(100);
    clock.advance(BAKE);
    Instant entered = clock.instant();

    var result = evaluate();

    assertEquals(List.of(GatePassed.class, PhaseEntered.class, WeightsChanged.class), kinds(result.events()));
    assertEquals(new PhaseEntered(1, new PhaseProgress(0, Stage.PREVIEW, entered), GATE_ACTOR, "blueGreen starts",
        entered), result.events().get(1));
    assertEquals(1, result.state().active().phaseIndex());
    // Green (already ready) previews to X-Preview requests, and is asked for at blue's full count.
    RoutingTable preview = table(3, List.of(weight(TARGET, 0), weight(STABLE, 10_000)),
        List.of(new TargetingRule(PREVIEW, Set.of(), TARGET)), Map.of(STABLE, STABLE_REPLICAS, TARGET, STABLE_REPLICAS));
    assertEquals(new WeightsChanged(preview, GATE_ACTOR, "blueGreen starts", entered), result.events().get(2));
    assertEquals(preview, assertOneTablePublished(result));
  }
}

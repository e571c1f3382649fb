package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.RolloutCoordinator.Aborted;
import io.turnout.persistence.rollout.RolloutCoordinator.Paused;
import io.turnout.persistence.rollout.RolloutCoordinator.Promoted;
import io.turnout.persistence.rollout.RolloutCoordinator.Refusal;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStatus;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.protocol.rollout.RoutingTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every command while a canary 5 → 25 → 100 % runs, serving its first step at revision 2. */
class CoordinatorWhileRunningTest extends CoordinatorFixture {

  @BeforeEach
  void aCanaryServesFivePercent() {
    givenCanaryServingFivePercent();
  }

  @Test
  void aSecondRolloutIsAConflict() {
    assertRefused(Refusal.CONFLICT, "a rollout to version 2 is in progress; promote or abort it first",
        () -> start(plan(3, canaryPhase(500, 10_000))));
  }

  @Test
  void resumingARolloutThatIsNotPausedIsAConflict() {
    assertRefused(Refusal.CONFLICT, "the rollout is not paused", () -> resume(BOB));
  }

  @Test
  void pausingPersistsWhoPausedAndLeavesTrafficAsItIs() {
    RoutingTable before = coordinator.getState().table();

    var result = pause(BOB);

    assertEquals(List.of(new Paused(BOB, "paused by hand", T0)), result.events());
    assertTrue(result.state().active().paused());
    assertEquals(before, result.state().table());
    assertTrue(assertAccepted(result).active().paused());
    assertEquals(List.of(), published.take());
  }

  @Test
  void weightsForAVersionOutsideTheRolloutAreInvalid() {
    assertRefused(Refusal.INVALID, "version 3 is not in this rollout (stable 1, target 2)",
        () -> setWeights(BOB, weight(STABLE, 5_000), weight(3, 5_000)));
  }

  @Test
  void weightsThatDoNotAddUpToAHundredPercentAreInvalid() {
    assertRefused(Refusal.INVALID, "weights add up to 90.0 %, not 100 %",
        () -> setWeights(BOB, weight(STABLE, 6_000), weight(TARGET, 3_000)));
    assertRefused(Refusal.INVALID, "weights add up to 0.0 %, not 100 %", () -> setWeights(BOB));
  }

  @Test
  void weightsSetByHandPauseTheRolloutAndListTheTargetFirst() {
    var result = setWeights(BOB, weight(STABLE, 7_000), weight(TARGET, 3_000));

    // The target first, so that its sticky buckets are the low ones as in every canary table.
    RoutingTable manual = table(3, List.of(weight(TARGET, 3_000), weight(STABLE, 7_000)), List.of(), CANARY_REPLICAS);
    assertEquals(List.of(
        new Paused(BOB, "weights set by hand", T0),
        new WeightsChanged(manual, BOB, "set by hand", T0)), result.events());
    assertTrue(result.state().active().paused());
    assertEquals(manual, assertAccepted(result).table());
    assertEquals(manual, assertOneTablePublished(result));
  }

  @Test
  void promotingByHandSkipsTheRemainingStepsAndMakesTheTargetStable() {
    var result = promote(BOB);

    RoutingTable promoted = promotedTable(3);
    assertEquals(List.of(
        new Promoted(TARGET, BOB, "promoted by hand", T0),
        new WeightsChanged(promoted, BOB, "promoted", T0)), result.events());
    assertEquals(TARGET, result.state().stableVersion());
    assertFalse(result.state().rolling());
    RolloutStatus status = assertAccepted(result);
    assertEquals(TARGET, status.stableVersion());
    assertNull(status.active());
    assertEquals(promoted, assertOneTablePublished(result));
  }

  @Test
  void abortingByHandSendsEveryoneBackToStableAndStopsTheTarget() {
    var result = abort(BOB, "dashboards look odd");

    RoutingTable back = rolledBackTable(3);
    assertEquals(List.of(
        new Aborted(STABLE, BOB, "dashboards look odd", T0),
        new WeightsChanged(back, BOB, "aborted", T0)), result.events());
    assertEquals(STABLE, result.state().stableVersion());
    assertFalse(result.state().rolling());
    assertNull(assertAccepted(result).active());
    assertEquals(back, assertOneTablePublished(result));
  }

  @Test
  void withoutSamplesTheRolloutHoldsEvenPastItsBakeTimeAndPersistsNothing() {
    clock.advance(BAKE.multipliedBy(3));
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
    assertTrue(status().lastDecision().contains("baked, waiting for 0 of 100 target requests so far"),
        status().lastDecision());

    reportHealthyTraffic(99);
    assertNothingHappened(before, evaluate());
    assertTrue(status().lastDecision().contains("waiting for 99 of 100 target requests"), status().lastDecision());
  }

  @Test
  void whileBakingTheRolloutHoldsEvenWithPlentyOfHealthySamples() {
    reportHealthyTraffic(1_000);
    clock.advance(BAKE.minusSeconds(1));
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
    assertTrue(status().lastDecision().endsWith("baking, 1s left"), status().lastDecision());
  }

  @Test
  void aChangeInReadinessOnlyChangesTheWeights() {
    report(Map.of(), STABLE_READY); // the target's only replica is gone

    var result = evaluate();

    assertEquals(List.of(new WeightsChanged(canaryTable(3, 0), GATE_ACTOR, "ready replicas changed", T0)),
        result.events());
    assertEquals(coordinator.getState().active(), result.state().active(), "still the same step");
    assertOneTablePublished(result);

    report(Map.of(), ALL_READY); // and back
    result = evaluate();
    assertEquals(List.of(new WeightsChanged(canaryTable(4, 500), GATE_ACTOR, "ready replicas changed", T0)),
        result.events());
    assertOneTablePublished(result);
  }

  @Test
  void evaluatingTwiceChangesNothingTheSecondTime() {
    reportHealthyTraffic(100);
    clock.advance(BAKE);
    assertEquals(3, evaluate().events().size(), "the step advanced");
    published.take();
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
  }
}

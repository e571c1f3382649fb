package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.RolloutCoordinator.Aborted;
import io.turnout.persistence.rollout.RolloutCoordinator.GatePassed;
import io.turnout.persistence.rollout.RolloutCoordinator.Promoted;
import io.turnout.persistence.rollout.RolloutCoordinator.Refusal;
import io.turnout.persistence.rollout.RolloutCoordinator.Resumed;
import io.turnout.persistence.rollout.RolloutCoordinator.StepAdvanced;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.protocol.rollout.RoutingTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every command while bob has paused a canary 5 → 25 → 100 % that served its first step at revision 2. */
class CoordinatorWhilePausedTest extends CoordinatorFixture {

  @BeforeEach
  void bobPausedACanaryServingFivePercent() {
    givenPausedCanary();
    published.take();
  }

  @Test
  void pausingAgainIsAConflict() {
    assertRefused(Refusal.CONFLICT, "the rollout is already paused", () -> pause(ALICE));
  }

  @Test
  void aSecondRolloutIsAConflict() {
    assertRefused(Refusal.CONFLICT, "a rollout to version 2 is in progress", () -> start(plan(3, canaryPhase(10_000))));
  }

  @Test
  void evaluationsDoNothingEvenPastTheBakeTimeWithHealthySamples() {
    reportHealthyTraffic(1_000);
    clock.advance(BAKE.multipliedBy(2));
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
  }

  @Test
  void evaluationsDoNotFollowReadinessEither() {
    report(Map.of(), STABLE_READY);
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
  }

  @Test
  void evaluationsDoNotRollBackAFailingTargetEither() {
    report(traffic(healthy(1_900), window(100, 50, 20_000)), ALL_READY);
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
  }

  @Test
  void resumingAPauseLeavesTheTableAsItWas() {
    RoutingTable before = coordinator.getState().table();

    var result = resume(ALICE);

    assertEquals(List.of(new Resumed(ALICE, T0)), result.events());
    assertFalse(result.state().active().paused());
    assertEquals(before, result.state().table());
    assertFalse(assertAccepted(result).active().paused());
    // Resuming may send the current table again (idempotent), but no new revision.
    assertTrue(published.take().stream().allMatch(before::equals));
  }

  @Test
  void resumingAfterWeightsSetByHandBringsBackThePhasesOwnTraffic() {
    setWeights(BOB, weight(STABLE, 5_000), weight(TARGET, 5_000));
    published.take();

    var result = resume(ALICE);

    RoutingTable phase = canaryTable(4, 500);
    assertEquals(List.of(new Resumed(ALICE, T0), new WeightsChanged(phase, ALICE, "resumed", T0)), result.events());
    assertEquals(phase, assertOneTablePublished(result));
  }

  @Test
  void afterResumingTheGateCountsOnlySamplesSeenSinceAndTheBakeTimeGoesOn() {
    reportHealthyTraffic(1_000); // seen while paused: they do not count
    clock.advance(BAKE);
    resume(ALICE);
    published.take();

    RolloutState resumed = coordinator.getState();
    assertNothingHappened(resumed, evaluate());
    assertTrue(status().lastDecision().contains("waiting for 0 of 100 target requests"), status().lastDecision());

    reportHealthyTraffic(100);
    var result = evaluate();
    assertEquals(List.of(GatePassed.class, StepAdvanced.class, WeightsChanged.class), kinds(result.events()));
    assertEquals(canaryTable(3, 2_500), assertOneTablePublished(result));
  }

  @Test
  void weightsSetByHandWhilePausedOnlyChangeTheWeights() {
    var result = setWeights(BOB, weight(TARGET, 1_000), weight(STABLE, 9_000));

    RoutingTable manual = table(3, List.of(weight(TARGET, 1_000), weight(STABLE, 9_000)), List.of(), CANARY_REPLICAS);
    assertEquals(List.of(new WeightsChanged(manual, BOB, "set by hand", T0)), result.events());
    assertTrue(result.state().active().paused());
    assertEquals(manual, assertOneTablePublished(result));
  }

  @Test
  void promotingWhilePausedEndsTheRollout() {
    var result = promote(ALICE);

    assertEquals(List.of(
        new Promoted(TARGET, ALICE, "promoted by hand", T0),
        new WeightsChanged(promotedTable(3), ALICE, "promoted", T0)), result.events());
    assertFalse(result.state().rolling());
    assertEquals(TARGET, result.state().stableVersion());
    assertEquals(promotedTable(3), assertOneTablePublished(result));
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> resume(ALICE));
  }

  @Test
  void abortingWhilePausedEndsTheRollout() {
    var result = abort(ALICE, "");

    assertEquals(List.of(
        new Aborted(STABLE, ALICE, "", T0),
        new WeightsChanged(rolledBackTable(3), ALICE, "aborted", T0)), result.events());
    assertFalse(result.state().rolling());
    assertEquals(rolledBackTable(3), assertOneTablePublished(result));
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> resume(ALICE));
  }
}

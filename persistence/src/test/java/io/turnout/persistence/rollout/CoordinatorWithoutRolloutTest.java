package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.turnout.persistence.rollout.RolloutCoordinator.HistoryPage;
import io.turnout.persistence.rollout.RolloutCoordinator.PhaseEntered;
import io.turnout.persistence.rollout.RolloutCoordinator.Refusal;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStarted;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStatus;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.persistence.rollout.RolloutState.Rollout;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every command to a model with no rollout in progress: it has never had one, or its last one ended. */
class CoordinatorWithoutRolloutTest extends CoordinatorFixture {

  @Test
  void startingARolloutPersistsItsStartItsFirstPhaseAndItsFirstTable() {
    report(Map.of(), STABLE_READY);
    RolloutPlan plan = canary(500, 2500, 10_000);

    var result = start(plan);

    // The target has no ready replica yet: its 5 % stay on stable, but the table asks for its replicas.
    RoutingTable first = canaryTable(1, 0);
    assertEquals(List.of(
        new RolloutStarted(plan, STABLE, STABLE_REPLICAS, TARGET_REPLICAS, Map.of(), ALICE, T0),
        new PhaseEntered(0, new PhaseProgress(0, Stage.BAKING, T0), ALICE, "canary starts", T0),
        new WeightsChanged(first, ALICE, "canary starts", T0)), result.events());
    Rollout rollout = new Rollout(plan, STABLE_REPLICAS, TARGET_REPLICAS, Map.of(), 0, new PhaseProgress(0, Stage.BAKING, T0),
        false, ALICE, T0);
    assertEquals(STABLE, result.state().stableVersion());
    assertEquals(first, result.state().table());
    assertEquals(rollout, result.state().active());
    RolloutStatus status = assertAccepted(result);
    assertEquals(rollout, status.active());
    assertEquals(first, status.table());
    assertEquals(List.of(first), published.take());
  }

  @Test
  void theTargetGetsItsShareOnceItHasAReadyReplica() {
    report(Map.of(), STABLE_READY);
    start(canary(500, 2500, 10_000));
    published.take();

    var result = evaluate();

    assertEquals(List.of(), result.events(), "nothing changed while the target is not ready");
    report(Map.of(), ALL_READY);
    result = evaluate();
    assertEquals(List.of(new WeightsChanged(canaryTable(2, 500), GATE_ACTOR, "ready replicas changed", T0)),
        result.events());
    assertOneTablePublished(result);
  }

  @Test
  void aRolloutToTheStableVersionIsInvalid() {
    assertRefused(Refusal.INVALID, "version 1 is already the stable version",
        () -> start(plan(STABLE, canaryPhase(500, 10_000))));
  }

  @Test
  void aModelWithNoVersionServingCannotStartARollout() {
    assertRefused(Refusal.CONFLICT, "model 'iris' has no version serving yet",
        () -> start(canary(500, 10_000), 0, STABLE_REPLICAS, TARGET_REPLICAS));
  }

  @Test
  void aVersionWithNoReplicasCannotBeRolledOutOrOver() {
    report(Map.of(), STABLE_READY);

    assertRefused(Refusal.INVALID, "replica counts must be at least 1, got stable 2 and target 0",
        () -> start(canary(500, 10_000), STABLE, STABLE_REPLICAS, 0));
    assertRefused(Refusal.INVALID, "replica counts must be at least 1, got stable 0 and target 1",
        () -> start(canary(500, 10_000), STABLE, 0, TARGET_REPLICAS));
  }

  @Test
  void anAbTestCanOnlySplitBetweenStableAndTarget() {
    report(Map.of(), STABLE_READY);
    PhaseSpec.AbTest threeArms = new PhaseSpec.AbTest(
        List.of(weight(TARGET, 4_000), weight(STABLE, 4_000), weight(3, 2_000)), List.of(), GATE);
    PhaseSpec.AbTest ruleForAThird = new PhaseSpec.AbTest(List.of(weight(TARGET, 5_000), weight(STABLE, 5_000)),
        List.of(new TargetingRule("X-Beta", Set.of("yes"), 3)), GATE);

    assertRefused(Refusal.INVALID, "version 3", () -> start(plan(TARGET, threeArms)));
    // Also as a later phase, which the coordinator would only reach after the canary.
    assertRefused(Refusal.INVALID, "version 3", () -> start(plan(TARGET, canaryPhase(500), ruleForAThird)));
  }

  @Test
  void onceAVersionWasPromotedTheModelsOwnStableVersionCountsNotTheCallers() {
    givenCanaryServingFivePercent();
    promote(ALICE);
    long revision = coordinator.getState().revision();
    report(Map.of(), Map.of(TARGET, TARGET_REPLICAS, 3L, 1));
    published.take();

    // The caller still believes version 1 serves; the coordinator knows version 2 does.
    var result = start(plan(3, canaryPhase(1_000, 10_000)), STABLE, TARGET_REPLICAS, 1);

    RolloutStarted started = result.eventOfType(RolloutStarted.class);
    assertEquals(TARGET, started.stableVersion());
    RoutingTable table = result.state().table();
    assertEquals(TARGET, table.stableVersion());
    assertEquals(revision + 1, table.revision(), "revisions go on from the model's last table");
    assertEquals(List.of(weight(3, 1_000), weight(TARGET, 9_000)), table.weights());
    assertEquals(List.of(table), published.take());

    abort(ALICE, "");
    published.take();
    assertRefused(Refusal.INVALID, "version 2 is already the stable version",
        () -> start(plan(TARGET, canaryPhase(500, 10_000)), STABLE, STABLE_REPLICAS, TARGET_REPLICAS));
  }

  @Test
  void pauseResumePromoteAbortAndSetWeightsAreConflictsWithNoRollout() {
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> pause(ALICE));
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> resume(ALICE));
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> promote(ALICE));
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> abort(ALICE, "oops"));
    assertRefused(Refusal.CONFLICT, "no rollout is in progress",
        () -> setWeights(ALICE, weight(STABLE, 5_000), weight(TARGET, 5_000)));
  }

  @Test
  void afterARolloutEndsTheModelIsIdleAgainAndMayStartAnother() {
    givenCanaryServingFivePercent();
    abort(ALICE, "not today");
    published.take();

    assertFalse(coordinator.getState().rolling());
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> pause(ALICE));
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> promote(ALICE));
    assertRefused(Refusal.CONFLICT, "no rollout is in progress", () -> abort(ALICE, "again"));

    var again = start(canary(500, 10_000));
    assertEquals(STABLE, again.eventOfType(RolloutStarted.class).stableVersion());
    assertEquals(canaryTable(4, 500), again.state().table(), "version 2 is ready: it gets its 5 % at once");
  }

  @Test
  void evaluatingWithNoRolloutDoesNothing() {
    report(traffic(healthy(1_000), healthy(1_000)), ALL_READY);
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
  }

  @Test
  void reportsAreCountedForTheStatusButNeverPersisted() {
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, report("node-1", traffic(healthy(300), healthy(10)), ALL_READY));
    assertNothingHappened(before, report("node-2", traffic(healthy(200), healthy(5)), STABLE_READY));

    RolloutStatus status = status();
    assertEquals(traffic(healthy(500), healthy(15)), status.sinceStep(), "windows from every node add up");
    assertEquals(STABLE_READY, status.readyReplicas(), "readiness is the latest report's");
  }

  @Test
  void theStatusOfAModelThatNeverRolledOutIsEmpty() {
    RolloutStatus status = status();

    assertEquals(new RolloutStatus(MODEL, 0, null, null, "", Map.of(), Map.of()), status);
    assertNull(coordinator.getState().table());
  }

  @Test
  void theHistoryOfAModelThatNeverRolledOutIsEmpty() {
    assertEquals(new HistoryPage(List.of(), 0), history(0, 100));
  }
}

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
import io.turnout.protocol.rollout.TargetingRule;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A blue-green of version 2 (green) over version 1 (blue, 2 replicas): green starts at blue's full
 * count, previews to requests with {@value #PREVIEW}, switches all traffic at once, keeps blue warm
 * for a rollback, then stops blue.
 */
class BlueGreenRolloutTest extends CoordinatorFixture {
  /** Green at full count: as many replicas as blue, to take all of its traffic at once. */
  static final Map<Long, Integer> BOTH_FULL = Map.of(STABLE, STABLE_REPLICAS, TARGET, STABLE_REPLICAS);
  /** Both of green's replicas ready, and blue's. */
  static final Map<Long, Integer> BOTH_READY = Map.of(STABLE, STABLE_REPLICAS, TARGET, STABLE_REPLICAS);
  static final List<TargetingRule> PREVIEW_RULE = List.of(new TargetingRule(PREVIEW, Set.of(), TARGET));

  @BeforeEach
  void blueServesAndAliceStartsABlueGreen() {
    report(Map.of(), STABLE_READY);
    start(plan(TARGET, blueGreenPhase()));
  }

  @Test
  void greenStartsAtFullCountWithNoTrafficAndNoPreviewUntilOneOfItsReplicasIsReady() {
    RolloutState started = coordinator.getState();
    RoutingTable first = table(1, List.of(weight(TARGET, 0), weight(STABLE, 10_000)), List.of(), BOTH_FULL);
    assertEquals(first, started.table());
    assertEquals(new PhaseProgress(0, Stage.PREVIEW, T0), started.active().progress());
    assertEquals(List.of(first), published.take());

    report(Map.of(), ALL_READY);
    var result = evaluate();

    RoutingTable preview = table(2, List.of(weight(TARGET, 0), weight(STABLE, 10_000)), PREVIEW_RULE, BOTH_FULL);
    assertEquals(List.of(new WeightsChanged(preview, GATE_ACTOR, "ready replicas changed", T0)), result.events());
    assertTrue(status().lastDecision().contains("warming green, 1 of 2 replicas of version 2 ready"),
        status().lastDecision());
    assertEquals(preview, assertOneTablePublished(result));
    assertEquals(TARGET, preview.route(header(PREVIEW, "1"), "192.0.2.1"), "preview requests reach green");
    assertEquals(STABLE, preview.route(name -> null, "192.0.2.1"), "everyone else stays on blue");
  }

  @Test
  void aPassingPreviewSwitchesAllTrafficToGreenInOneTableChange() {
    givenGreenPreviewedAndSwitched();

    RolloutState switched = coordinator.getState();
    assertEquals(Stage.SWITCHED, switched.active().progress().stage());
    // Blue keeps all its replicas while it stays warm.
    assertEquals(table(3, List.of(weight(TARGET, 10_000), weight(STABLE, 0)), List.of(), BOTH_FULL), switched.table());
  }

  @Test
  void thePreviewWaitsForPreviewRequestsOnceItsTimeIsOver() {
    report(Map.of(), BOTH_READY);
    evaluate();
    clock.advance(PREVIEW_TIME);
    published.take();
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
    assertTrue(status().lastDecision().contains("preview time over, waiting for 0 of 100 target requests so far"
        + " (requests with header X-Preview)"), status().lastDecision());
  }

  @Test
  void aFailureWhileBlueIsStillWarmRollsBackInOneTableChange() {
    givenGreenPreviewedAndSwitched();
    clock.advance(KEEP_BLUE_WARM.dividedBy(2));

    report(Map.of(TARGET, window(100, 5, 20_000)), BOTH_READY);
    var result = evaluate();

    assertEquals(List.of(GateFailed.class, RolledBack.class, WeightsChanged.class), kinds(result.events()));
    assertTrue(((GateFailed) result.events().get(0)).reason().startsWith("blue-green, switched to version 2"),
        result.events().get(0).detail());
    assertEquals(STABLE, result.state().stableVersion());
    assertFalse(result.state().rolling());
    // Blue never stopped, so all traffic is back on it at once; green stops.
    assertEquals(rolledBackTable(4), assertOneTablePublished(result));
  }

  @Test
  void afterKeepingBlueWarmBlueStopsAndStaysStoppedOncePromoted() {
    givenGreenPreviewedAndSwitched();
    clock.advance(KEEP_BLUE_WARM);

    var draining = evaluate();

    assertEquals(List.of(GatePassed.class, StepAdvanced.class, WeightsChanged.class), kinds(draining.events()));
    assertEquals(Stage.BLUE_DRAINING, draining.state().active().progress().stage());
    RoutingTable blueStopping = table(4, List.of(weight(TARGET, 10_000), weight(STABLE, 0)), List.of(),
        Map.of(TARGET, STABLE_REPLICAS, STABLE, 0));
    assertEquals(blueStopping, assertOneTablePublished(draining));

    report(Map.of(), Map.of(STABLE, 1, TARGET, STABLE_REPLICAS));
    assertEquals(List.of(), evaluate().events(), "one replica of blue is still ready");
    report(Map.of(), Map.of(TARGET, STABLE_REPLICAS));

    var done = evaluate();

    assertEquals(List.of(Promoted.class, WeightsChanged.class), kinds(done.events()));
    assertEquals(TARGET, done.state().stableVersion());
    // Green at its registered count; blue's count stays 0, so no keeper starts blue again.
    assertEquals(promotedTable(5), assertOneTablePublished(done));
  }

  /** Both green replicas ready, the preview time over, 100 healthy preview requests: the switch. */
  private void givenGreenPreviewedAndSwitched() {
    report(Map.of(), BOTH_READY);
    evaluate();
    clock.advance(PREVIEW_TIME);
    report(traffic(healthy(1_900), healthy(100)), BOTH_READY);
    published.take();

    var result = evaluate();

    assertEquals(List.of(GatePassed.class, StepAdvanced.class, WeightsChanged.class), kinds(result.events()));
    assertEquals(new PhaseProgress(0, Stage.SWITCHED, clock.instant()), ((StepAdvanced) result.events().get(1)).progress());
    RoutingTable switched = assertOneTablePublished(result);
    assertEquals(List.of(weight(TARGET, 10_000), weight(STABLE, 0)), switched.weights());
    assertEquals(List.of(), switched.rules());
    published.take();
  }

  private static Function<String, String> header(String name, String value) {
    return asked -> asked.equalsIgnoreCase(name) ? value : null;
  }
}

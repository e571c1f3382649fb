package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turnout.persistence.rollout.RolloutCoordinator.GatePassed;
import io.turnout.persistence.rollout.RolloutCoordinator.Promoted;
import io.turnout.persistence.rollout.RolloutCoordinator.StepAdvanced;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.PhaseSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A rolling update of version 1's two replicas to version 2's one, surge first, the gate after each replacement. */
class RollingRolloutTest extends CoordinatorFixture {
  static final PhaseSpec.Rolling SURGE_FIRST = new PhaseSpec.Rolling(1, 0, BAKE, GATE);

  @Test
  void replicasAreReplacedOneAtATimeTrafficFollowsReadinessAndTheTargetIsPromoted() {
    report(Map.of(), STABLE_READY);

    // Replacement 1 of 2: version 2's replica starts while version 1 keeps both of its own.
    var started = start(plan(TARGET, SURGE_FIRST));
    assertEquals(table(1, List.of(weight(TARGET, 0), weight(STABLE, 10_000)), List.of(), Map.of(TARGET, 1, STABLE, 2)),
        assertOneTablePublished(started));

    // It is ready: traffic by ready replicas (1 of 3), and one of version 1's may stop.
    report(Map.of(), Map.of(STABLE, 2, TARGET, 1));
    var result = evaluate();
    assertEquals(List.of(new WeightsChanged(
        table(2, List.of(weight(TARGET, 3_333), weight(STABLE, 6_667)), List.of(), Map.of(TARGET, 1, STABLE, 1)),
        GATE_ACTOR, "ready replicas changed", T0)), result.events());
    assertOneTablePublished(result);

    // Version 1 is down to one: replacement 1 is in place and starts baking.
    report(Map.of(), Map.of(STABLE, 1, TARGET, 1));
    result = evaluate();
    assertEquals(List.of(GatePassed.class, StepAdvanced.class, WeightsChanged.class), kinds(result.events()));
    assertEquals(new PhaseProgress(0, Stage.BAKING, T0), result.state().active().progress());
    assertEquals(table(3, List.of(weight(TARGET, 5_000), weight(STABLE, 5_000)), List.of(), Map.of(TARGET, 1, STABLE, 1)),
        assertOneTablePublished(result));

    // Baked and healthy: replacement 2 stops version 1's last replica.
    clock.advance(BAKE);
    report(traffic(healthy(100), healthy(100)), Map.of(STABLE, 1, TARGET, 1));
    result = evaluate();
    assertEquals(List.of(GatePassed.class, StepAdvanced.class, WeightsChanged.class), kinds(result.events()));
    assertEquals(new PhaseProgress(1, Stage.REPLACING, clock.instant()), result.state().active().progress());
    assertEquals(table(4, List.of(weight(TARGET, 5_000), weight(STABLE, 5_000)), List.of(), Map.of(TARGET, 1, STABLE, 0)),
        assertOneTablePublished(result));

    report(Map.of(), Map.of(TARGET, 1));
    result = evaluate();
    assertEquals(new PhaseProgress(1, Stage.BAKING, clock.instant()), result.state().active().progress());
    assertEquals(table(5, List.of(weight(TARGET, 10_000), weight(STABLE, 0)), List.of(), Map.of(TARGET, 1, STABLE, 0)),
        assertOneTablePublished(result));

    // The last replacement baked and healthy: the phase, and with it the rollout, is done.
    clock.advance(BAKE);
    report(Map.of(TARGET, healthy(100)), Map.of(TARGET, 1));
    result = evaluate();
    assertEquals(List.of(Promoted.class, WeightsChanged.class), kinds(result.events()));
    assertEquals(TARGET, result.state().stableVersion());
    assertEquals(promotedTable(6), assertOneTablePublished(result));
  }
}

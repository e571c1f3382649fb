package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.RolloutCoordinator.GateFailed;
import io.turnout.persistence.rollout.RolloutCoordinator.GatePassed;
import io.turnout.persistence.rollout.RolloutCoordinator.PhaseEntered;
import io.turnout.persistence.rollout.RolloutCoordinator.Refusal;
import io.turnout.persistence.rollout.RolloutCoordinator.RolledBack;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.Mirror;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.ShadowGate;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A shadow phase of version 2 in front of a canary, through the coordinator: its tables (mirror
 * included) are persisted and published, the shadow gate moves on to the canary or rolls back.
 */
class ShadowRolloutTest extends CoordinatorFixture {
  static final Duration SHADOW_TIME = Duration.ofMinutes(2);
  static final PhaseSpec.Shadow SHADOW = new PhaseSpec.Shadow(List.of(), 10_000, SHADOW_TIME, new ShadowGate(100, 0.9, 2.0, 0.01));

  /** All traffic on stable, every request copied to version 2, which runs at its registered count. */
  static RoutingTable shadowTable(long revision) {
    return new RoutingTable(MODEL, revision, STABLE, List.of(weight(STABLE, RoutingTable.ALL)), List.of(), STICKY,
        Map.of(STABLE, STABLE_REPLICAS, TARGET, TARGET_REPLICAS), new Mirror(List.of(TARGET), 10_000), false);
  }

  /** {@code compared} copies of stable's requests answered by the target in 20 ms, {@code agreed} of them agreeing. */
  static Map<Long, VersionWindow> shadowed(long compared, long agreed) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    counts[LatencyHistogram.bucketOf(20_000)] = compared;
    ShadowStats stats = new ShadowStats(compared, 0, 0, compared, compared, agreed, 0.01 * compared, 0.3,
        new LatencyHistogram(counts));
    return Map.of(STABLE, healthy(compared), TARGET, VersionWindow.empty().withShadow(stats));
  }

  @Test
  void theShadowsTableMirrorsStableToTheTargetAndGoesThroughTheJournal() {
    report(Map.of(), STABLE_READY);

    var result = start(plan(TARGET, SHADOW, canaryPhase(500, 10_000)));

    assertEquals(shadowTable(1), result.state().table());
    assertEquals(List.of(shadowTable(1)), published.take());
    report(Map.of(), ALL_READY);
    assertEquals(List.of(), evaluate().events(), "readiness does not change a shadow's table");
  }

  @Test
  void anAgreeingShadowMovesOnToTheCanaryOnceItsTimeIsOver() {
    givenStartedAndReady(plan(TARGET, SHADOW, canaryPhase(500, 10_000)));
    report(shadowed(300, 297), ALL_READY);

    assertEquals(List.of(), evaluate().events(), "the shadow holds for its duration");
    assertTrue(status().lastDecision().startsWith("shadow: mirroring 100 % of version 1's requests, 2m left; "
        + "version 2: 300 compared, 0 dropped, 0 failed, agreement 99.0 %"), status().lastDecision());

    clock.advance(SHADOW_TIME);
    var result = evaluate();

    assertEquals(List.of(GatePassed.class, PhaseEntered.class, WeightsChanged.class), kinds(result.events()));
    GatePassed passed = (GatePassed) result.events().get(0);
    assertTrue(passed.summary().startsWith("shadow passed: version 2: agreement 99.0 % (min 90.0 %)"), passed.summary());
    assertEquals(canaryTable(2, 500), assertOneTablePublished(result), "the canary's table has no mirror");
    assertEquals(Mirror.NONE, result.state().table().mirror());
  }

  @Test
  void aDisagreeingShadowRollsBackBeforeAnyUserSawTheTarget() {
    givenStartedAndReady(plan(TARGET, SHADOW, canaryPhase(500, 10_000)));
    report(shadowed(300, 150), ALL_READY);

    var result = evaluate();

    assertEquals(List.of(GateFailed.class, RolledBack.class, WeightsChanged.class), kinds(result.events()));
    assertEquals("shadow, candidate version 2: agreement 50.0 % (min 90.0 %) over 300 compared copies",
        ((GateFailed) result.events().get(0)).reason());
    assertEquals(rolledBackTable(2), assertOneTablePublished(result));
    assertFalse(result.state().rolling());
  }

  @Test
  void theStableVersionCannotShadowItself() {
    report(Map.of(), STABLE_READY);

    assertRefused(Refusal.INVALID, "the shadow phase names version 1, the stable version, as a candidate",
        () -> start(plan(TARGET, new PhaseSpec.Shadow(List.of(STABLE), 10_000, SHADOW_TIME, ShadowGate.DEFAULT))));
  }
}

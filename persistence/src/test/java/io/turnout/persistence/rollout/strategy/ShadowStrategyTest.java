package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.IRIS;
import static io.turnout.persistence.rollout.strategy.Fixtures.NO_HEADERS;
import static io.turnout.persistence.rollout.strategy.Fixtures.STABLE;
import static io.turnout.persistence.rollout.strategy.Fixtures.T0;
import static io.turnout.persistence.rollout.strategy.Fixtures.TARGET;
import static io.turnout.persistence.rollout.strategy.Fixtures.allReady;
import static io.turnout.persistence.rollout.strategy.Fixtures.asShadow;
import static io.turnout.persistence.rollout.strategy.Fixtures.at;
import static io.turnout.persistence.rollout.strategy.Fixtures.minutes;
import static io.turnout.persistence.rollout.strategy.Fixtures.routeUser;
import static io.turnout.persistence.rollout.strategy.Fixtures.shadow;
import static io.turnout.persistence.rollout.strategy.Fixtures.window;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.Mirror;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.ShadowGate;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShadowStrategyTest {
  private static final long CHALLENGER = 3;
  /** At least 200 compared copies, 90 % agreement, p99 at most twice stable's, at most 1 % failed copies. */
  private static final ShadowGate GATE = new ShadowGate(200, 0.9, 2.0, 0.01);
  /** Half of stable's requests copied to the target for at least ten minutes. */
  private static final PhaseSpec.Shadow SPEC = new PhaseSpec.Shadow(List.of(), 5_000, minutes(10), GATE);
  private static final PhaseStrategy SHADOW = PhaseStrategy.of(SPEC);
  private static final PhaseProgress BAKING = new PhaseProgress(0, Stage.BAKING, T0);
  /** v1 with 3 replicas, v2 with 2, v3 with 4. */
  private static final RolloutContext WITH_CHALLENGER =
      new RolloutContext("iris", STABLE, TARGET, Fixtures.STICKY, 3, 2, Map.of(CHALLENGER, 4));
  private static final VersionWindow STABLE_TRAFFIC = window(5_000, 0, 20_000);
  private static final ShadowStats AGREEING = shadow(400, 400, 390, 0, 25_000);

  private static Observation observe(Instant now, Map<Long, ShadowStats> shadows, Map<Long, Integer> ready) {
    Map<Long, VersionWindow> windows = new java.util.HashMap<>();
    windows.put(STABLE, STABLE_TRAFFIC);
    shadows.forEach((version, stats) -> windows.put(version, asShadow(stats)));
    return new Observation(now, windows, ready);
  }

  private static Observation observe(Instant now, ShadowStats target) {
    return observe(now, Map.of(TARGET, target), allReady());
  }

  @Test
  void startsMirroringAtOnceInItsOnlyStep() {
    assertEquals(BAKING, PhaseProgress.start(SPEC, T0));
    assertEquals(new ShadowStrategy(SPEC), SHADOW);
  }

  @Test
  void everyUserStaysOnStableWhileTheTargetShadowsItsShare() {
    Traffic traffic = SHADOW.traffic(IRIS, BAKING, allReady());

    assertEquals(List.of(new WeightedVersion(STABLE, RoutingTable.ALL)), traffic.weights());
    assertEquals(List.of(), traffic.rules());
    assertEquals(Map.of(STABLE, 3, TARGET, 2), traffic.replicas());
    assertEquals(new Mirror(List.of(TARGET), 5_000), traffic.mirror());
    assertFalse(traffic.perRequest());

    RoutingTable table = RoutingTables.of(IRIS, 1, traffic);
    int mirrored = 0;
    for (int u = 0; u < 20_000; u++) {
      assertEquals(STABLE, routeUser(table, "user-" + u));
      if (table.mirrors(STABLE)) mirrored++;
    }
    assertEquals(0.5, mirrored / 20_000.0, 0.02, "half of stable's requests are copied");
    assertFalse(table.mirrors(TARGET), "only requests served by stable are copied");
    assertEquals(STABLE, table.route(NO_HEADERS, "192.0.2.7"));
  }

  @Test
  void namedCandidatesShadowInsteadOfTheTargetWhichWaitsStopped() {
    PhaseStrategy challenger = PhaseStrategy.of(new PhaseSpec.Shadow(List.of(CHALLENGER), 10_000, minutes(10), GATE));
    PhaseStrategy both = PhaseStrategy.of(new PhaseSpec.Shadow(List.of(TARGET, CHALLENGER), 10_000, minutes(10), GATE));
    Map<Long, Integer> ready = Map.of(STABLE, 3, TARGET, 2, CHALLENGER, 4);

    Traffic one = challenger.traffic(WITH_CHALLENGER, BAKING, ready);
    Traffic two = both.traffic(WITH_CHALLENGER, BAKING, ready);

    assertEquals(Map.of(STABLE, 3, TARGET, 0, CHALLENGER, 4), one.replicas());
    assertEquals(new Mirror(List.of(CHALLENGER), 10_000), one.mirror());
    assertEquals(Map.of(STABLE, 3, TARGET, 2, CHALLENGER, 4), two.replicas());
    assertEquals(new Mirror(List.of(TARGET, CHALLENGER), 10_000), two.mirror());
  }

  @Test
  void theMirrorStaysWhileACandidateHasNoReadyReplica() {
    assertEquals(SHADOW.traffic(IRIS, BAKING, allReady()), SHADOW.traffic(IRIS, BAKING, Map.of(STABLE, 3)));
  }

  @Test
  void holdsForTheWholeDurationEvenWhenTheGateWouldPass() {
    Decision decision = SHADOW.decide(IRIS, BAKING, observe(at(minutes(4)), AGREEING));

    assertEquals(new Decision.Hold("shadow: mirroring 50 % of version 1's requests, 6m left; "
        + "version 2: 400 compared, 0 dropped, 0 failed, agreement 97.5 %"), decision);
  }

  @Test
  void completesAfterTheDurationOnceTheCandidatePassesTheGate() {
    Decision decision = SHADOW.decide(IRIS, BAKING, observe(at(minutes(10)), AGREEING));

    Decision.Complete complete = assertInstanceOf(Decision.Complete.class, decision);
    assertTrue(complete.cause().startsWith("shadow passed: version 2: agreement 97.5 % (min 90.0 %), "), complete.cause());
    assertTrue(complete.cause().endsWith(" over 400 compared copies"), complete.cause());
  }

  @Test
  void afterTheDurationACandidateShortOfSamplesHolds() {
    Decision decision = SHADOW.decide(IRIS, BAKING, observe(at(minutes(30)), shadow(150, 150, 150, 0, 20_000)));

    assertEquals(new Decision.Hold("shadow: duration over, version 2 waiting for 150 of 200 compared copies so far"),
        decision);
  }

  @Test
  void aCandidateThatDisagreesRollsBackAtOnceWithinTheDuration() {
    Decision decision = SHADOW.decide(IRIS, BAKING, observe(at(Duration.ofSeconds(30)), shadow(400, 400, 200, 0, 20_000)));

    assertEquals(new Decision.RollBack("shadow, candidate version 2: agreement 50.0 % (min 90.0 %) over 400 compared copies"),
        decision);
  }

  @Test
  void aCandidateMuchSlowerThanStablesPrimaryRollsBack() {
    Decision decision = SHADOW.decide(IRIS, BAKING, observe(at(minutes(10)), shadow(400, 400, 400, 0, 100_000)));

    Decision.RollBack rollBack = assertInstanceOf(Decision.RollBack.class, decision);
    assertTrue(rollBack.reason().startsWith("shadow, candidate version 2: p99 "), rollBack.reason());
  }

  @Test
  void aCandidateWhoseCopiesFailRollsBackWithoutAnyComparison() {
    Decision decision = SHADOW.decide(IRIS, BAKING, observe(at(minutes(1)), shadow(0, 0, 0, 300, 20_000)));

    assertEquals(new Decision.RollBack("shadow, candidate version 2: error rate 100.0 % of 300 copies (max 1.0 %)"),
        decision);
  }

  @Test
  void waitsForAReadyReplicaOfEveryCandidate() {
    Decision decision = SHADOW.decide(IRIS, BAKING, observe(at(minutes(20)), Map.of(), Map.of(STABLE, 3)));

    assertEquals(new Decision.Hold("shadow: waiting for a ready replica of version 2"), decision);
  }

  @Test
  void everyCandidateMustPassAndAnyOneFailingRollsBack() {
    PhaseStrategy both = PhaseStrategy.of(new PhaseSpec.Shadow(List.of(TARGET, CHALLENGER), 10_000, minutes(10), GATE));
    Map<Long, Integer> ready = Map.of(STABLE, 3, TARGET, 2, CHALLENGER, 4);

    Decision oneShort = both.decide(WITH_CHALLENGER, BAKING,
        observe(at(minutes(10)), Map.of(TARGET, AGREEING, CHALLENGER, shadow(20, 20, 20, 0, 20_000)), ready));
    Decision onePasses = both.decide(WITH_CHALLENGER, BAKING,
        observe(at(minutes(10)), Map.of(TARGET, AGREEING, CHALLENGER, AGREEING), ready));
    Decision oneFails = both.decide(WITH_CHALLENGER, BAKING,
        observe(at(minutes(10)), Map.of(TARGET, AGREEING, CHALLENGER, shadow(400, 400, 100, 0, 20_000)), ready));

    assertEquals(new Decision.Hold("shadow: duration over, version 3 waiting for 20 of 200 compared copies so far"),
        oneShort);
    Decision.Complete complete = assertInstanceOf(Decision.Complete.class, onePasses);
    assertTrue(complete.cause().contains("version 2: agreement") && complete.cause().contains("; version 3: agreement"),
        complete.cause());
    assertEquals(new Decision.RollBack("shadow, candidate version 3: agreement 25.0 % (min 90.0 %) over 400 compared copies"),
        oneFails);
  }
}

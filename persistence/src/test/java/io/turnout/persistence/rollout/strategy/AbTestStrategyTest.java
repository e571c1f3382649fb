package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.STABLE;
import static io.turnout.persistence.rollout.strategy.Fixtures.STICKY;
import static io.turnout.persistence.rollout.strategy.Fixtures.T0;
import static io.turnout.persistence.rollout.strategy.Fixtures.TARGET;
import static io.turnout.persistence.rollout.strategy.Fixtures.header;
import static io.turnout.persistence.rollout.strategy.Fixtures.healthy;
import static io.turnout.persistence.rollout.strategy.Fixtures.routeUser;
import static io.turnout.persistence.rollout.strategy.Fixtures.window;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AbTestStrategyTest {
  private static final long CHALLENGER = 3;
  /** v1 40 %, v2 30 %, v3 30 %; Dutch and Belgian users always on v3. */
  private static final PhaseSpec.AbTest SPEC = new PhaseSpec.AbTest(
      List.of(new WeightedVersion(STABLE, 4000), new WeightedVersion(TARGET, 3000), new WeightedVersion(CHALLENGER, 3000)),
      List.of(new TargetingRule("X-Country", Set.of("NL", "BE"), CHALLENGER)),
      new Gate(100, 0.01, 1.5));
  private static final PhaseStrategy AB = PhaseStrategy.of(SPEC);
  /** v1 with 3 replicas, v2 with 2, v3 with 4. */
  private static final RolloutContext CTX = new RolloutContext("iris", STABLE, TARGET, STICKY, 3, 2, Map.of(CHALLENGER, 4));
  private static final Map<Long, Integer> ALL_READY = Map.of(STABLE, 3, TARGET, 2, CHALLENGER, 4);
  private static final PhaseProgress RUNNING = new PhaseProgress(0, Stage.RUNNING, T0);

  private static Observation observe(Instant now, VersionWindow target, VersionWindow challenger) {
    return new Observation(now, Map.of(STABLE, healthy(), TARGET, target, CHALLENGER, challenger), ALL_READY);
  }

  @Test
  void runsUntilSomeoneEndsIt() {
    assertEquals(RUNNING, PhaseProgress.start(SPEC, T0));
  }

  @Test
  void theSplitAndRulesAreTheSpecsAndEveryArmRuns() {
    Traffic traffic = AB.traffic(CTX, RUNNING, ALL_READY);

    assertEquals(SPEC.arms(), traffic.weights());
    assertEquals(SPEC.rules(), traffic.rules());
    assertEquals(Map.of(STABLE, 3, TARGET, 2, CHALLENGER, 4), traffic.replicas());
  }

  @Test
  void usersStickToTheirArmAndTargetedUsersGoToTheirs() {
    RoutingTable table = RoutingTables.of(CTX, 1, AB.traffic(CTX, RUNNING, ALL_READY));
    Map<Long, Integer> users = new HashMap<>();
    for (int u = 0; u < 20_000; u++) users.merge(routeUser(table, "user-" + u), 1, Integer::sum);

    assertEquals(0.4, users.get(STABLE) / 20_000.0, 0.02);
    assertEquals(0.3, users.get(TARGET) / 20_000.0, 0.02);
    assertEquals(0.3, users.get(CHALLENGER) / 20_000.0, 0.02);
    assertEquals(CHALLENGER, table.route(header("X-Country", "NL"), "192.0.2.1"));
    assertEquals(CHALLENGER, table.route(header("X-Country", "BE"), "192.0.2.1"));
    assertEquals(routeUser(table, "user-7"), routeUser(table, "user-7"));
  }

  @Test
  void holdsForAsLongAsTheArmsAreHealthy() {
    Decision decision = AB.decide(CTX, RUNNING, observe(T0.plus(Duration.ofDays(30)), healthy(), healthy()));

    assertEquals(new Decision.Hold("A/B test running for 720h: version 1 40 % (1000 requests), version 2 30 % "
        + "(1000 requests), version 3 30 % (1000 requests); promote or abort to end it"), decision);
  }

  @Test
  void anArmShortOfSamplesIsNoReasonToStop() {
    assertInstanceOf(Decision.Hold.class, AB.decide(CTX, RUNNING, observe(T0.plusSeconds(60), healthy(), window(3, 3, 20_000))));
  }

  @Test
  void anArmThatErrorsRollsBack() {
    Decision decision = AB.decide(CTX, RUNNING, observe(T0.plusSeconds(600), healthy(), window(1_000, 80, 20_000)));

    assertEquals(new Decision.RollBack("A/B test, arm version 3: error rate 8.0 % vs stable 0.0 % (max +1.0 points) "
        + "over 1000 target requests"), decision);
  }

  @Test
  void anArmSlowerThanStableRollsBack() {
    Decision decision = AB.decide(CTX, RUNNING, observe(T0.plusSeconds(600), window(1_000, 0, 60_000), healthy()));

    Decision.RollBack rollBack = assertInstanceOf(Decision.RollBack.class, decision);
    assertTrue(rollBack.reason().startsWith("A/B test, arm version 2: p99 "), rollBack.reason());
  }

  @Test
  void anArmWithNoReadyReplicaSendsItsShareToStableMeanwhile() {
    Traffic traffic = AB.traffic(CTX, RUNNING, Map.of(STABLE, 3, TARGET, 2));

    assertEquals(List.of(new WeightedVersion(STABLE, 7000), new WeightedVersion(TARGET, 3000), new WeightedVersion(CHALLENGER, 0)),
        traffic.weights());
    assertEquals(List.of(), traffic.rules());
    assertEquals(4, traffic.replicasOf(CHALLENGER));
  }

  @Test
  void aTwoArmTestWithoutStableStillKeepsStableRunningForARollback() {
    PhaseStrategy ab = PhaseStrategy.of(new PhaseSpec.AbTest(
        List.of(new WeightedVersion(TARGET, 5000), new WeightedVersion(CHALLENGER, 5000)), List.of(), new Gate(100, 0.01, 1.5)));

    Traffic traffic = ab.traffic(CTX, RUNNING, ALL_READY);

    assertEquals(0, traffic.weightOf(STABLE));
    assertEquals(Map.of(STABLE, 3, TARGET, 2, CHALLENGER, 4), traffic.replicas());
  }
}

package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.IRIS;
import static io.turnout.persistence.rollout.strategy.Fixtures.NO_HEADERS;
import static io.turnout.persistence.rollout.strategy.Fixtures.STABLE;
import static io.turnout.persistence.rollout.strategy.Fixtures.TARGET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrafficTest {
  private static final Traffic CANARY = new Traffic(
      List.of(new WeightedVersion(TARGET, 2500), new WeightedVersion(STABLE, 7500)),
      List.of(new TargetingRule("X-Preview", Set.of(), TARGET)),
      Map.of(TARGET, 2, STABLE, 3));

  @Test
  void weightsMustAddUpToAllTraffic() {
    assertThrows(IllegalArgumentException.class, () -> new Traffic(
        List.of(new WeightedVersion(TARGET, 2500), new WeightedVersion(STABLE, 7000)), List.of(), Map.of()));
  }

  @Test
  void aVersionWithoutReadyReplicasGivesItsWeightAndRulesToStable() {
    Traffic servable = CANARY.towardsReady(STABLE, Map.of(STABLE, 3));

    assertEquals(List.of(new WeightedVersion(TARGET, 0), new WeightedVersion(STABLE, RoutingTable.ALL)), servable.weights());
    assertEquals(List.of(), servable.rules());
    assertEquals(CANARY.replicas(), servable.replicas(), "replicas still wanted, so that they start");
  }

  @Test
  void aVersionWithAReadyReplicaKeepsItsShare() {
    assertEquals(CANARY, CANARY.towardsReady(STABLE, Map.of(STABLE, 3, TARGET, 1)));
  }

  @Test
  void nothingMovesWhenStableHasNoReadyReplicaEither() {
    assertEquals(CANARY, CANARY.towardsReady(STABLE, Map.of()));
  }

  @Test
  void freedWeightIsAppendedForStableWithoutMovingOtherVersionsBuckets() {
    Traffic ab = new Traffic(List.of(new WeightedVersion(2, 5000), new WeightedVersion(3, 5000)), List.of(), Map.of());

    Traffic servable = ab.towardsReady(1, Map.of(1L, 1, 2L, 1));

    assertEquals(List.of(new WeightedVersion(2, 5000), new WeightedVersion(3, 0), new WeightedVersion(1, 5000)),
        servable.weights());
  }

  @Test
  void rollbackAndPromotionSendAllTrafficToOneVersionAndStopTheOther() {
    assertEquals(new Traffic(List.of(new WeightedVersion(STABLE, RoutingTable.ALL)), List.of(), Map.of(STABLE, 3, TARGET, 0)),
        Traffic.rolledBack(IRIS));
    assertEquals(new Traffic(List.of(new WeightedVersion(TARGET, RoutingTable.ALL)), List.of(), Map.of(TARGET, 2, STABLE, 0)),
        Traffic.promoted(IRIS));
  }

  @Test
  void routingTablesCarryTheTrafficItsDesiredReplicasAndTheRolloutsModelAndStickyHeader() {
    RoutingTable table = RoutingTables.of(IRIS, 7, CANARY);

    assertEquals(new RoutingTable("iris", 7, STABLE, CANARY.weights(), CANARY.rules(), "X-User-Id", CANARY.replicas()),
        table);
    assertTrue(RoutingTables.routesAs(table, CANARY));
    assertFalse(RoutingTables.routesAs(table, Traffic.rolledBack(IRIS)));
    assertTrue(RoutingTables.routesAs(RoutingTables.of(IRIS, 8, Traffic.rolledBack(IRIS)), Traffic.rolledBack(IRIS)));
  }

  @Test
  void afterARollbackOrPromotionTheTableSendsAllTrafficToOneVersionAndStopsTheOther() {
    RoutingTable back = RoutingTables.rolledBack(IRIS, 9);
    RoutingTable promoted = RoutingTables.promoted(IRIS, 9);

    assertEquals(new RoutingTable("iris", 9, STABLE, List.of(new WeightedVersion(STABLE, RoutingTable.ALL)), List.of(),
        "X-User-Id", Map.of(STABLE, 3, TARGET, 0)), back);
    assertEquals(new RoutingTable("iris", 9, TARGET, List.of(new WeightedVersion(TARGET, RoutingTable.ALL)), List.of(),
        "X-User-Id", Map.of(TARGET, 2, STABLE, 0)), promoted);
    assertEquals(TARGET, promoted.stableVersion());
    assertEquals(STABLE, back.route(Fixtures.header("X-Preview", "1"), "192.0.2.1"));
    assertEquals(TARGET, promoted.route(NO_HEADERS, "192.0.2.1"));
  }
}

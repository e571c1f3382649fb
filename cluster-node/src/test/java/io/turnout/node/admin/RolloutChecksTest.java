package io.turnout.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.admin.ModelFacts.VersionFacts;
import io.turnout.node.admin.RolloutChecks.StartArgs;
import io.turnout.protocol.VersionState;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.RoutingTable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RolloutChecksTest {
  static VersionFacts version(long version, VersionState state, int replicas) {
    return new VersionFacts(version, URI.create("file:/m/iris/" + version), state,
        state == VersionState.FAILED ? "cannot load the SavedModel" : "", replicas, replicas, 0);
  }

  static final ModelFacts IRIS = new ModelFacts("iris", List.of(
      version(1, VersionState.AVAILABLE, 2),
      version(2, VersionState.AVAILABLE, 3),
      version(3, VersionState.LOADING, 1),
      version(4, VersionState.FAILED, 1)), Optional.empty());

  static RolloutPlan canaryTo(long target) {
    return plan("{\"targetVersion\": " + target + ", \"phases\": [{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"0s\"}]}");
  }

  static RolloutPlan plan(String json) {
    return RolloutJson.parsePlan(json.getBytes(StandardCharsets.UTF_8));
  }

  static Problem refused(RolloutPlan plan, ModelFacts model) {
    Problem problem = assertThrows(Problem.class, () -> RolloutChecks.check(plan, model, 0));
    assertEquals(422, problem.status());
    return problem;
  }

  @Test
  void withoutARoutingTableTheNewestAvailableOtherVersionIsStable() {
    assertEquals(new StartArgs(2, 3, 1, Map.of()), RolloutChecks.check(canaryTo(3), IRIS, 0));
    assertEquals(new StartArgs(1, 2, 3, Map.of()), RolloutChecks.check(canaryTo(2), IRIS, 0));
  }

  @Test
  void theRoutingTablesStableVersionWins() {
    ModelFacts withTable = new ModelFacts("iris", IRIS.versions(), Optional.of(RoutingTable.stable("iris", 7, 1, "")));
    assertEquals(new StartArgs(1, 2, 1, Map.of()), RolloutChecks.check(canaryTo(3), withTable, 0));
  }

  @Test
  void theCoordinatorsStableVersionWinsOverALaggingTable() {
    ModelFacts lagging = new ModelFacts("iris", IRIS.versions(), Optional.of(RoutingTable.stable("iris", 7, 1, "")));
    assertEquals(new StartArgs(2, 3, 2, Map.of()), RolloutChecks.check(canaryTo(1), lagging, 2));
    assertTrue(assertThrows(Problem.class, () -> RolloutChecks.check(canaryTo(2), lagging, 2)).detail()
        .contains("already the stable version"));
  }

  @Test
  void noVersionServingLeavesTheStableVersionToTheCoordinator() {
    ModelFacts fresh = new ModelFacts("iris", List.of(version(1, VersionState.LOADING, 2)), Optional.empty());
    assertEquals(new StartArgs(0, 2, 2, Map.of()), RolloutChecks.check(canaryTo(1), fresh, 0));
  }

  @Test
  void refusesAnUnregisteredTarget() {
    Problem problem = refused(canaryTo(9), IRIS);
    assertEquals("/targetVersion", problem.pointer());
    assertTrue(problem.detail().contains("version 9 of model 'iris' is not registered (registered: 1, 2, 3, 4)"),
        problem.detail());
  }

  @Test
  void refusesATargetThatFailedToLoadWithTheReason() {
    Problem problem = refused(canaryTo(4), IRIS);
    assertEquals("/targetVersion", problem.pointer());
    assertEquals("target version 4 of model 'iris' failed to load: cannot load the SavedModel", problem.detail());
  }

  @Test
  void refusesTheStableVersionAsTarget() {
    ModelFacts withTable = new ModelFacts("iris", IRIS.versions(), Optional.of(RoutingTable.stable("iris", 7, 2, "")));
    assertTrue(refused(canaryTo(2), withTable).detail().contains("already the stable version"));
  }

  @Test
  void refusesAbArmsOfUnregisteredOrFailedVersions() {
    Problem unregistered = refused(plan("{\"targetVersion\": 3, \"phases\": [{\"kind\": \"ab\", \"arms\": {\"2\": 50, \"8\": 50}}]}"), IRIS);
    assertEquals("/phases/0/arms/8", unregistered.pointer());
    assertTrue(unregistered.detail().contains("names version 8, which is not registered"), unregistered.detail());

    Problem failed = refused(plan("{\"targetVersion\": 3, \"phases\": [{\"kind\": \"ab\", \"arms\": {\"2\": 50, \"4\": 50}}]}"), IRIS);
    assertTrue(failed.detail().contains("failed to load"), failed.detail());

  }

  @Test
  void refusesAbRulesOfUnregisteredVersions() {
    Problem problem = refused(plan("{\"targetVersion\": 3, \"phases\": [{\"kind\": \"ab\", \"arms\": {\"2\": 50, \"3\": 50},"
        + " \"rules\": [{\"header\": \"X-Segment\", \"values\": [\"beta\"], \"version\": 7}]}]}"), IRIS);
    assertEquals("/phases/0/rules/0/version", problem.pointer());
    assertTrue(problem.detail().contains("rule 1 names version 7, which is not registered"), problem.detail());
  }

  @Test
  void aThirdVersionInAnAbTestBringsItsRegisteredReplicaCount() {
    assertEquals(new StartArgs(2, 3, 1, Map.of(1L, 2)), RolloutChecks.check(plan("{\"targetVersion\": 3, \"phases\":"
        + " [{\"kind\": \"ab\", \"arms\": {\"2\": 40, \"1\": 30, \"3\": 30}}]}"), IRIS, 0));
  }

  @Test
  void acceptsAnAbTestBetweenStableAndTarget() {
    assertEquals(new StartArgs(2, 3, 1, Map.of()), RolloutChecks.check(plan("{\"targetVersion\": 3, \"phases\": [{\"kind\": \"ab\","
        + " \"arms\": {\"2\": 50, \"3\": 50}, \"rules\": [{\"header\": \"X-Segment\", \"version\": 3}]}]}"), IRIS, 0));
  }

  @Test
  void aShadowCandidateBringsItsRegisteredReplicaCountAndCannotBeTheStableVersion() {
    assertEquals(new StartArgs(2, 3, 1, Map.of(1L, 2)), RolloutChecks.check(plan("{\"targetVersion\": 3, \"phases\":"
        + " [{\"kind\": \"shadow\", \"candidates\": [3, 1], \"mirror\": 100, \"duration\": \"1m\"}]}"), IRIS, 0));

    Problem itself = refused(plan("{\"targetVersion\": 3, \"phases\": [{\"kind\": \"canary\", \"steps\": [100],"
        + " \"bakeTime\": \"0s\"}, {\"kind\": \"shadow\", \"candidates\": [3, 2], \"mirror\": 100, \"duration\": \"1m\"}]}"), IRIS);
    assertEquals("/phases/1/candidates/1", itself.pointer());
    assertTrue(itself.detail().contains("names version 2 as a candidate, but it is the stable version"), itself.detail());
  }
}

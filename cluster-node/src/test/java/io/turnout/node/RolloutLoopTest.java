package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.ops.models.FaultyModel;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.persistence.rollout.RolloutState;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.WeightedVersion;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole rollout loop on one real node with a real Cassandra: the coordinator writes routing
 * tables, Distributed Data carries them to the edge, the edge routes and reports what it saw, the
 * gates decide, and the journal keeps every event across a restart of the node.
 */
@ExtendWith(RealCassandra.class)
class RolloutLoopTest {
  private static TestNode node;

  private static Path modelRoot;
  private static String cassandraConfig;

  @BeforeAll
  static void startNode(@TempDir Path dir, RealCassandra.Instance cassandra) throws Exception {
    Path root = TestModels.irisCopies(dir.resolve("models"), "canary", "bluegreen", "ab", "rolling", "restart");
    // Version 3 of "faulty" loads and looks like Iris but fails on every request at run time.
    Files.createDirectories(root.resolve("faulty"));
    Files.createSymbolicLink(root.resolve("faulty/1"), TestModels.root().resolve("iris/1"));
    FaultyModel.export(root.resolve("faulty/3"));
    Files.createDirectories(root.resolve("greenfaulty"));
    Files.createSymbolicLink(root.resolve("greenfaulty/1"), TestModels.root().resolve("iris/1"));
    Files.createSymbolicLink(root.resolve("greenfaulty/3"), root.resolve("faulty/3"));
    modelRoot = root;
    // The journal, snapshots and the model registry in a real Cassandra, keyspaces of this class's own.
    cassandraConfig = TestNode.cassandraConfig(cassandra, "rollout_loop")
        + "turnout.registry.replicas-per-model.rolling = 2\n";
    node = TestNode.start(root, cassandraConfig);
    node.awaitAvailable("canary", 1, 2);
    node.awaitAvailable("faulty", 1, 3);
    node.awaitAvailable("greenfaulty", 1, 3);
    node.awaitAvailable("bluegreen", 1, 2);
    node.awaitAvailable("ab", 1, 2);
    node.awaitAvailable("rolling", 1, 2);
    node.awaitAvailable("restart", 1, 2);
    // A cold JVM answers its first requests slowly; gates should judge versions, not the JIT.
    for (int i = 0; i < 300; i++) {
      node.post("/v1/models/canary/versions/" + (1 + i % 2) + ":predict", "{\"instances\": [[5.1,3.5,1.4,0.2]]}");
      node.post("/v1/models/faulty/versions/1:predict", "{\"instances\": [[5.1,3.5,1.4,0.2]]}");
    }
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static <R> R ask(String model, Function<ActorRef<R>, RolloutCoordinator.Command> command) throws Exception {
    return node.askCoordinator(model, command);
  }

  private static HttpResponse<String> predictAs(String model, String user) {
    return predictAs(model, user, Map.of());
  }

  private static HttpResponse<String> predictAs(String model, String user, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.uri("/v1/models/" + model + ":predict"))
        .header("X-User-Id", user)
        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[5.1,3.5,1.4,0.2]]}"));
    headers.forEach(request::header);
    return node.send(request.build());
  }

  private static String versionOf(HttpResponse<String> response) {
    assertEquals(200, response.statusCode(), response.body());
    return response.headers().firstValue("Turnout-Model-Version").orElse("?");
  }

  private static RolloutCoordinator.Result start(String model, RolloutPlan plan, long stable, int replicas)
      throws Exception {
    RolloutCoordinator.Result started =
        ask(model, replyTo -> new RolloutCoordinator.StartRollout(plan, stable, replicas, replicas, "test", replyTo));
    assertInstanceOf(RolloutCoordinator.Accepted.class, started, String.valueOf(started));
    return started;
  }

  /** Sends requests as distinct users until {@code done} holds, counting who got which version. */
  private static Map<String, Integer> trafficUntil(String model, java.util.function.BooleanSupplier done, Duration timeout) {
    Map<String, Integer> seen = new HashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    int user = 0;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("rollout of " + model + " did not finish; saw " + seen);
      HttpResponse<String> response = predictAs(model, "user-" + (user++ % 500));
      assertEquals(200, response.statusCode(), response.body());
      seen.merge(response.headers().firstValue("Turnout-Model-Version").orElse("?"), 1, Integer::sum);
    }
    return seen;
  }

  private static RolloutCoordinator.RolloutStatus status(String model) {
    try {
      return ask(model, RolloutCoordinator.GetStatus::new);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> history(String model) {
    return node.rolloutHistory(model);
  }

  @Test
  void aCanaryOfAHealthyVersionAdvancesThroughEveryStepAndIsPromotedOnItsOwn() throws Exception {
    start("canary", new RolloutPlan(2, List.of(
        new PhaseSpec.Canary(List.of(2_000, 5_000, 10_000), Duration.ofSeconds(2), new Gate(50, 0.05, 50.0))),
        "X-User-Id"), 1, 1);

    Map<String, Integer> seen = trafficUntil("canary", () -> status("canary").active() == null, Duration.ofSeconds(90));

    List<String> events = history("canary");
    assertEquals(2, status("canary").stableVersion(), String.valueOf(events));
    awaitTrue("canary", () -> versionOf(predictAs("canary", "after")).equals("2"), "promotion reaches the edge");
    assertTrue(seen.getOrDefault("1", 0) > 0 && seen.getOrDefault("2", 0) > 0, "both versions served: " + seen);
    assertEquals("RolloutStarted", events.get(0));
    assertEquals(2, events.stream().filter("StepAdvanced"::equals).count(), String.valueOf(events));
    assertEquals(List.of("Promoted", "WeightsChanged"), events.subList(events.size() - 2, events.size()));
    // After promotion every request without a version gets version 2.
    for (int i = 0; i < 20; i++) assertEquals("2", versionOf(predictAs("canary", "after-" + i)));
  }

  @Test
  void aCanaryOfAFailingVersionRollsBackOnItsOwnWithinOneBakeWindow() throws Exception {
    Duration bake = Duration.ofSeconds(20);
    start("faulty", new RolloutPlan(3, List.of(
        new PhaseSpec.Canary(List.of(5_000, 10_000), bake, new Gate(30, 0.01, 50.0))), "X-User-Id"), 1, 1);
    long startedAt = System.nanoTime();

    // Requests that reach version 3 fail (400: the model refuses them); the rest are answered by 1.
    Map<String, Integer> statuses = new HashMap<>();
    int user = 0;
    while (status("faulty").active() != null) {
      assertTrue(System.nanoTime() - startedAt < bake.plusSeconds(30).toNanos(), "no decision; saw " + statuses);
      HttpResponse<String> response = predictAs("faulty", "user-" + (user++ % 500));
      statuses.merge(response.statusCode() + "/" + response.headers().firstValue("Turnout-Model-Version").orElse("?"),
          1, Integer::sum);
    }

    Duration took = Duration.ofNanos(System.nanoTime() - startedAt);
    assertEquals(1, status("faulty").stableVersion(), "traffic went back to stable; saw " + statuses);
    assertTrue(took.compareTo(bake) < 0, "rolled back within one bake window, took " + took);
    assertTrue(statuses.getOrDefault("400/3", 0) > 0, "the faulty version was tried: " + statuses);
    List<String> events = history("faulty");
    assertEquals(List.of("GateFailed", "RolledBack", "WeightsChanged"), events.subList(events.size() - 3, events.size()));
    assertEquals(0, status("faulty").table().replicasOf(3, 1), "the faulty version's replicas stop");
    // The new table reaches the edge through Distributed Data a moment after it is written.
    long written = System.nanoTime();
    awaitTrue("faulty", () -> {
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> response = predictAs("faulty", "after-" + i);
        if (response.statusCode() != 200 || !"1".equals(response.headers().firstValue("Turnout-Model-Version").orElse(""))) {
          return false;
        }
      }
      return true;
    }, "everyone back on version 1");
    System.out.printf("weight change to routing effect: %d ms%n", (System.nanoTime() - written) / 1_000_000);
  }

  @Test
  void blueGreenPreviewsByHeaderThenSwitchesAllTrafficAtOnceAndDrainsBlue() throws Exception {
    start("bluegreen", new RolloutPlan(2, List.of(new PhaseSpec.BlueGreen("X-Turnout-Preview", Duration.ofSeconds(3),
        Duration.ofSeconds(2), new Gate(30, 0.05, 50.0))), "X-User-Id"), 1, 1);
    Map<String, String> preview = Map.of("X-Turnout-Preview", "1");

    // Preview: once the table is in effect, only requests that carry the header reach green.
    awaitTrue("bluegreen", () -> versionOf(predictAs("bluegreen", "u")).equals("1"), "the table is in effect");
    awaitTrue("bluegreen", () -> versionOf(predictAs("bluegreen", "p", preview)).equals("2"), "preview reaches green");
    for (int i = 0; i < 20; i++) assertEquals("1", versionOf(predictAs("bluegreen", "u" + i)));

    // Enough preview traffic passes the gate; then one table change sends everyone to green.
    awaitTrue("bluegreen", () -> {
      for (int i = 0; i < 5; i++) versionOf(predictAs("bluegreen", "p" + i, preview));
      versionOf(predictAs("bluegreen", "u"));
      return status("bluegreen").active() == null;
    }, "blue-green finishes");
    assertEquals(2, status("bluegreen").stableVersion());
    awaitTrue("bluegreen", () -> versionOf(predictAs("bluegreen", "u0")).equals("2"), "the switch reaches the edge");
    for (int i = 0; i < 20; i++) assertEquals("2", versionOf(predictAs("bluegreen", "u" + i)));
    assertEquals(0, status("bluegreen").table().replicasOf(1, 1), "blue stops once drained");
    List<String> events = history("bluegreen");
    long switches = events.stream().filter("WeightsChanged"::equals).count();
    assertTrue(events.contains("Promoted") && switches <= 5, String.valueOf(events));
  }

  @Test
  void aBlueGreenWhosePreviewFailsRollsBackWithoutEverSwitching() throws Exception {
    start("greenfaulty", new RolloutPlan(3, List.of(new PhaseSpec.BlueGreen("X-Turnout-Preview", Duration.ofSeconds(2),
        Duration.ofSeconds(2), new Gate(20, 0.01, 50.0))), "X-User-Id"), 1, 1);
    Map<String, String> preview = Map.of("X-Turnout-Preview", "1");
    awaitTrue("greenfaulty", () -> {
      HttpResponse<String> response = predictAs("greenfaulty", "u");
      return response.statusCode() == 200 && "1".equals(response.headers().firstValue("Turnout-Model-Version").orElse(""));
    }, "the table is in effect");

    awaitTrue("greenfaulty", () -> {
      for (int i = 0; i < 5; i++) predictAs("greenfaulty", "p" + i, preview);
      assertEquals("1", versionOf(predictAs("greenfaulty", "u")), "no one but preview traffic reaches green");
      return status("greenfaulty").active() == null;
    }, "the failing preview rolls back");

    assertEquals(1, status("greenfaulty").stableVersion());
    List<String> events = history("greenfaulty");
    assertEquals(List.of("GateFailed", "RolledBack", "WeightsChanged"), events.subList(events.size() - 3, events.size()));
    assertEquals(0, status("greenfaulty").table().replicasOf(3, 1), "green stops");
    awaitTrue("greenfaulty", () -> {
      HttpResponse<String> response = predictAs("greenfaulty", "p0", preview);
      return response.statusCode() == 200 && "1".equals(response.headers().firstValue("Turnout-Model-Version").orElse(""));
    }, "preview requests are back on blue");
  }

  @Test
  void anAbTestSendsTargetedRequestsToArmBOnlyAndSplitsTheRestStickily() throws Exception {
    start("ab", new RolloutPlan(2, List.of(new PhaseSpec.AbTest(
        List.of(new WeightedVersion(1, 5_000), new WeightedVersion(2, 5_000)),
        List.of(new TargetingRule("X-Segment", Set.of("beta"), 2)),
        new Gate(1_000_000, 1.0, 1000.0))), "X-User-Id"), 1, 1);
    awaitTrue("ab", () -> status("ab").table().weightOf(2) == 5_000, "both arms ready");

    for (int i = 0; i < 50; i++) assertEquals("2", versionOf(predictAs("ab", "beta-" + i, Map.of("X-Segment", "beta"))));
    int onB = 0;
    for (int i = 0; i < 400; i++) {
      String first = versionOf(predictAs("ab", "user-" + i));
      String again = versionOf(predictAs("ab", "user-" + i));
      if (!first.equals(again)) {
        // A replica that refuses once makes the edge's retry answer from another version; routing
        // itself is deterministic, so a second pair shows whether the user really moved.
        first = versionOf(predictAs("ab", "user-" + i));
        again = versionOf(predictAs("ab", "user-" + i));
      }
      assertEquals(first, again, "sticky per user");
      if (first.equals("2")) onB++;
    }
    assertTrue(onB > 140 && onB < 260, onB + " of 400 users on arm B");

    assertInstanceOf(RolloutCoordinator.Accepted.class,
        ask("ab", (ActorRef<RolloutCoordinator.Result> replyTo) -> new RolloutCoordinator.Abort("test", "done", replyTo)));
    awaitTrue("ab", () -> versionOf(predictAs("ab", "beta-0", Map.of("X-Segment", "beta"))).equals("1"),
        "after the abort everyone is back on version 1");
  }

  @Test
  void aRollingUpdateReplacesReplicasOneAtATime() throws Exception {
    start("rolling", new RolloutPlan(2, List.of(new PhaseSpec.Rolling(1, 0, Duration.ofSeconds(1),
        new Gate(50, 0.05, 50.0))), "X-User-Id"), 1, 2);

    List<Map<Long, Integer>> desired = new ArrayList<>();
    awaitTrue("rolling", () -> {
      for (int i = 0; i < 10; i++) versionOf(predictAs("rolling", "r" + i));
      RolloutCoordinator.RolloutStatus now = status("rolling");
      Map<Long, Integer> replicas = now.table().replicas();
      if (desired.isEmpty() || !desired.get(desired.size() - 1).equals(replicas)) desired.add(replicas);
      return now.active() == null;
    }, "rolling update finishes");

    assertEquals(2, status("rolling").stableVersion(), "promoted after the last replacement: " + desired);
    for (int i = 1; i < desired.size(); i++) {
      Map<Long, Integer> before = desired.get(i - 1);
      Map<Long, Integer> after = desired.get(i);
      assertTrue(after.getOrDefault(2L, 0) - before.getOrDefault(2L, 0) <= 1, "one new replica at a time: " + desired);
      assertTrue(before.getOrDefault(1L, 0) - after.getOrDefault(1L, 0) <= 1, "one old replica at a time: " + desired);
    }
    assertTrue(desired.size() >= 3, "replaced in several steps: " + desired);
  }

  @Test
  void aRolloutResumesWhereItWasAfterTheNodeRestartsWithItsFullHistory() throws Exception {
    start("restart", new RolloutPlan(2, List.of(new PhaseSpec.Canary(List.of(3_000, 10_000), Duration.ofSeconds(3),
        new Gate(40, 0.05, 50.0))), "X-User-Id"), 1, 2);
    awaitTrue("restart", () -> {
      versionOf(predictAs("restart", "warm"));
      return status("restart").table().weightOf(2) == 3_000;
    }, "the canary's first step serves");
    List<String> before = history("restart");
    RolloutState.Rollout rolloutBefore = status("restart").active();

    node.close();
    long stopped = System.nanoTime();
    node = TestNode.start(modelRoot, cassandraConfig);
    node.awaitAvailable("restart", 1, 2);

    // Nobody asks the coordinator: remembered by sharding, it restarts, publishes its table and resumes.
    // Without its table the edge would send every user to the newest version, 2.
    awaitTrue("restart", () -> {
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < 60; i++) seen.merge(versionOf(predictAs("restart", "user-" + i)), 1, Integer::sum);
      return seen.getOrDefault("1", 0) > 0 && seen.getOrDefault("2", 0) > 0;
    }, "the routing table is back after the restart");
    System.out.printf("node restart to rollout resumption: %d ms%n", (System.nanoTime() - stopped) / 1_000_000);
    RolloutCoordinator.RolloutStatus resumed = status("restart");
    assertEquals(rolloutBefore.plan(), resumed.active().plan());
    assertEquals(rolloutBefore.progress(), resumed.active().progress());
    assertEquals(before, history("restart").subList(0, before.size()), "the history survived");

    trafficUntil("restart", () -> status("restart").active() == null, Duration.ofSeconds(90));
    assertEquals(2, status("restart").stableVersion(), String.valueOf(history("restart")));
  }

  private static void awaitTrue(String model, TestNode.Check check, String what) throws Exception {
    node.awaitRollout(model, check, what);
  }
}

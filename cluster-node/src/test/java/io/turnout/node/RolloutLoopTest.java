package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.ops.models.WideModel;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RolloutPlan;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole rollout loop on one real node: the coordinator writes routing tables, Distributed Data
 * carries them to the edge, the edge routes and reports what it saw, the gates decide.
 */
class RolloutLoopTest {
  private static TestNode node;

  @BeforeAll
  static void startNode(@TempDir Path dir) throws Exception {
    Path root = dir.resolve("models");
    Files.createDirectories(root.resolve("iris"));
    Files.createSymbolicLink(root.resolve("iris/1"), TestModels.root().resolve("iris/1"));
    Files.createSymbolicLink(root.resolve("iris/2"), TestModels.root().resolve("iris/2"));
    // Version 3 answers like Iris but is a 2048-wide MLP: a real, much slower version.
    WideModel.export(root.resolve("iris/3"), 2048);
    node = TestNode.start(root, """
        pekko.persistence.journal.plugin = "pekko.persistence.journal.inmem"
        pekko.persistence.snapshot-store.plugin = "pekko.persistence.snapshot-store.local"
        pekko.persistence.snapshot-store.local.dir = "%s"
        """.formatted(dir.resolve("snapshots")));
    node.awaitAvailable("iris", 1, 2, 3);
    // A cold JVM answers its first requests slowly; gates should judge versions, not the JIT.
    for (int i = 0; i < 300; i++) {
      for (int version = 1; version <= 3; version++) {
        node.post("/v1/models/iris/versions/" + version + ":predict", "{\"instances\": [[5.1,3.5,1.4,0.2]]}");
      }
    }
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static <R> R ask(String model, Function<ActorRef<R>, RolloutCoordinator.Command> command) throws Exception {
    CompletionStage<R> reply = AskPattern.ask(
        ClusterSharding.get(node.system()).entityRefFor(RolloutCoordinator.ENTITY_KEY, model),
        command::apply, Duration.ofSeconds(10), node.system().scheduler());
    return reply.toCompletableFuture().get();
  }

  private static HttpResponse<String> predictAs(String user) {
    return node.send(HttpRequest.newBuilder(URI.create(node.uri("/v1/models/iris:predict").toString()))
        .header("X-User-Id", user)
        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[5.1,3.5,1.4,0.2]]}")).build());
  }

  /** Sends requests as distinct users until {@code done} holds, counting who got which version. */
  private static Map<String, Integer> trafficUntil(String model, java.util.function.BooleanSupplier done, Duration timeout) {
    Map<String, Integer> seen = new HashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    int user = 0;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("rollout of " + model + " did not finish; saw " + seen);
      HttpResponse<String> response = predictAs("user-" + (user++ % 500));
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

  private static List<String> history(String model) throws Exception {
    RolloutCoordinator.HistoryPage page = ask(model, replyTo -> new RolloutCoordinator.GetHistory(0, 1000, replyTo));
    page.entries().forEach(entry -> System.out.println("HISTORY " + entry));
    return page.entries().stream().map(HistoryEntry::event).toList();
  }

  @Test
  void aCanaryOfAHealthyVersionAdvancesThroughEveryStepAndIsPromotedOnItsOwn() throws Exception {
    RolloutPlan plan = new RolloutPlan(2, List.of(
        new PhaseSpec.Canary(List.of(2_000, 5_000, 10_000), Duration.ofSeconds(2), new Gate(50, 0.05, 5.0))),
        "X-User-Id");
    RolloutCoordinator.Result started = ask("iris", replyTo -> new RolloutCoordinator.StartRollout(plan, 1, 1, 1, "test", replyTo));
    assertInstanceOf(RolloutCoordinator.Accepted.class, started, String.valueOf(started));

    Map<String, Integer> seen = trafficUntil("iris", () -> status("iris").active() == null, Duration.ofSeconds(90));

    RolloutCoordinator.RolloutStatus done = status("iris");
    List<String> events = history("iris");
    assertEquals(2, done.stableVersion(), String.valueOf(events));
    assertTrue(seen.getOrDefault("1", 0) > 0 && seen.getOrDefault("2", 0) > 0, "both versions served: " + seen);
    assertEquals("RolloutStarted", events.get(0));
    assertEquals(2, events.stream().filter("StepAdvanced"::equals).count(), String.valueOf(events));
    assertEquals("Promoted", events.get(events.size() - 2));
    // After promotion every request without a version gets version 2.
    for (int i = 0; i < 20; i++) {
      assertEquals("2", predictAs("after-" + i).headers().firstValue("Turnout-Model-Version").orElse(""));
    }
  }

  @Test
  void aCanaryOfASlowVersionRollsBackOnItsOwnWithinOneBakeWindow() throws Exception {
    long stable = status("iris").stableVersion() > 0 ? status("iris").stableVersion() : 1;
    Duration bake = Duration.ofSeconds(20);
    RolloutPlan plan = new RolloutPlan(3, List.of(
        new PhaseSpec.Canary(List.of(5_000, 10_000), bake, new Gate(30, 0.05, 2.0))), "X-User-Id");
    RolloutCoordinator.Result started =
        ask("iris", replyTo -> new RolloutCoordinator.StartRollout(plan, stable, 1, 1, "test", replyTo));
    assertInstanceOf(RolloutCoordinator.Accepted.class, started, String.valueOf(started));
    long startedAt = System.nanoTime();

    trafficUntil("iris", () -> status("iris").active() == null, bake.plusSeconds(30));

    Duration took = Duration.ofNanos(System.nanoTime() - startedAt);
    assertEquals(stable, status("iris").stableVersion(), "traffic went back to stable");
    assertTrue(took.compareTo(bake) < 0, "rolled back within one bake window, took " + took);
    List<String> events = history("iris");
    assertEquals(List.of("GateFailed", "RolledBack", "WeightsChanged"), events.subList(events.size() - 3, events.size()));
    assertEquals(0, status("iris").table().replicasOf(3, 1), "the slow version's replicas stop: " + status("iris").table());
  }
}

package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.admin.RolloutJson;
import io.turnout.node.testkit.IrisRequests;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.ops.models.IrisData;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Thompson bandit between Iris v1 (about 84 % accurate) and v2 (about 98.7 %) on one real node with
 * a real Cassandra, driven only by what a client does: it sends Iris rows, and posts reward 1 for a
 * reply whose predicted class is the row's true label, else 0, with the reply's request id. The
 * rewards reach the coordinator through the edge's windows, each reallocation is persisted, the
 * edge draws every request from the newest allocation, and the bandit promotes v2 on its own.
 */
@ExtendWith(RealCassandra.class)
class BanditLoopTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "banditiris";
  private static final String TOKEN = "bandit-loop-admin-token-0123456789";
  private static final IrisData IRIS = IrisData.load();
  private static final float[][] ROWS = IRIS.features();
  private static final int[] LABELS = IRIS.labels();
  private static TestNode node;

  @BeforeAll
  static void startNode(@TempDir Path dir, RealCassandra.Instance cassandra) throws Exception {
    Path root = TestModels.irisCopies(dir.resolve("models"), MODEL);
    node = TestNode.start(root, TestNode.cassandraConfig(cassandra, "bandit_loop") + """
        turnout.admin.token = "%s"
        turnout.cluster.secret = "bandit-loop-secret"
        """.formatted(TOKEN));
    node.awaitAvailable(MODEL, 1, 2);
    // A cold JVM answers its first requests slowly; the gate should judge versions, not the JIT.
    for (int i = 0; i < 300; i++) predict("/v1/models/" + MODEL + "/versions/" + (1 + i % 2) + ":predict", i % IRIS.size());
  }

  @AfterAll
  static void stopNode() {
    if (node != null) node.close();
  }

  private static HttpResponse<String> predict(String path, int row) {
    return node.send(IrisRequests.predict(node, path, ROWS[row], null));
  }

  private static <R> R ask(Function<ActorRef<R>, RolloutCoordinator.Command> command) throws Exception {
    return node.askCoordinator(MODEL, command);
  }

  /** 250 requests a second at most. */
  private static final long PACE_NANOS = Duration.ofMillis(4).toNanos();

  @Test
  void aThompsonBanditFedByCorrectnessRewardsPromotesTheMoreAccurateVersion() throws Exception {
    // Started through the admin API, in the plan JSON users write. The client is paced at 250
    // requests a second, so the first interval brings fewer than 300 rewards per arm whatever the
    // machine's speed, and v1 has to earn the rest at its 5 % floor while v2 serves the other 95 %.
    HttpResponse<String> started = node.send(HttpRequest.newBuilder(node.adminUri("/admin/models/" + MODEL + "/rollouts"))
        .header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString("""
            {"targetVersion": 2, "phases": [{"kind": "bandit", "policy": "thompson", "interval": "1s", "floor": 5,
              "promoteThreshold": 0.95, "minRewards": 300,
              "gate": {"minSamples": 50, "maxErrorRateIncrease": 0.05, "maxP99Ratio": 50}}]}"""))
        .build());
    assertEquals(201, started.statusCode(), started.body());
    long startedAt = System.nanoTime();

    Random rows = new Random(2026);
    Map<String, int[]> served = new TreeMap<>(); // version -> {requests, correct}
    int requests = 0;
    int untilNinety = -1;
    long ninetyAt = 0;
    int afterNinety = 0;
    int afterNinetyOnV2 = 0;
    RolloutCoordinator.RolloutStatus status = ask(RolloutCoordinator.GetStatus::new);
    while (status.active() != null) {
      assertTrue(System.nanoTime() - startedAt < Duration.ofSeconds(180).toNanos(), "no decision after " + requests
          + " requests; served " + describe(served) + "; last decision: " + status.lastDecision());
      long due = startedAt + requests * PACE_NANOS;
      while (System.nanoTime() < due) LockSupport.parkNanos(due - System.nanoTime());
      int row = rows.nextInt(IRIS.size());
      HttpResponse<String> reply = predict("/v1/models/" + MODEL + ":predict", row);
      assertEquals(200, reply.statusCode(), reply.body());
      String version = reply.headers().firstValue("Turnout-Model-Version").orElseThrow();
      int reward = IrisRequests.predictedClass(reply) == LABELS[row] ? 1 : 0;
      HttpResponse<String> feedback =
          IrisRequests.postFeedback(node, reply.headers().firstValue("Turnout-Request-Id").orElseThrow(), reward);
      assertEquals(200, feedback.statusCode(), feedback.body());
      int[] counts = served.computeIfAbsent(version, v -> new int[2]);
      counts[0]++;
      counts[1] += reward;
      requests++;
      if (untilNinety >= 0) {
        afterNinety++;
        if (version.equals("2")) afterNinetyOnV2++;
      }
      if (requests % 20 == 0) {
        status = ask(RolloutCoordinator.GetStatus::new);
        if (untilNinety < 0 && status.table().perRequest() && status.table().weightOf(2) >= 9_000) {
          untilNinety = requests;
          ninetyAt = System.nanoTime();
          // The admin API's status at that moment: the table's allocation and each arm's rewards so far.
          JsonNode bandit = JSON.readTree(RolloutJson.status(status, Map.of(), Map.of())).get("bandit");
          System.out.println("BANDIT STATUS " + bandit);
          assertEquals(100.0, bandit.at("/arms/0/allocationPercent").asDouble()
              + bandit.at("/arms/1/allocationPercent").asDouble(), 1e-9, bandit.toString());
          assertTrue(bandit.at("/arms/1/allocationPercent").asDouble() >= 90, bandit.toString());
          assertTrue(bandit.get("reallocations").asInt() >= 1, bandit.toString());
          long rewarded = bandit.at("/arms/0/rewards").asLong() + bandit.at("/arms/1/rewards").asLong();
          assertTrue(rewarded > 0 && rewarded <= requests, rewarded + " rewards after " + requests + " requests");
        }
      }
    }
    long promotedAt = System.nanoTime();

    RolloutCoordinator.HistoryPage history = ask(replyTo -> new RolloutCoordinator.GetHistory(0, 1000, replyTo));
    history.entries().forEach(entry -> System.out.println("HISTORY " + entry));
    List<String> events = history.entries().stream().map(HistoryEntry::event).toList();
    assertEquals(2, status.stableVersion(), "v2 is promoted; events " + events);
    assertEquals(List.of("Promoted", "WeightsChanged"), events.subList(events.size() - 2, events.size()));
    assertTrue(events.contains("AllocationChanged"), String.valueOf(events));
    String promotion = history.entries().get(events.size() - 2).detail();
    assertTrue(promotion.contains("version 2's probability of being best is"), promotion);
    assertTrue(untilNinety > 0, "v2 got 90 % of the traffic before its promotion");
    assertTrue(afterNinety == 0 || afterNinetyOnV2 > afterNinety * 0.8,
        afterNinetyOnV2 + " of " + afterNinety + " requests on v2 once it had 90 %");
    long allocations = events.stream().filter("AllocationChanged"::equals).count();

    System.out.println();
    System.out.printf(Locale.ROOT, "Bandit end to end (thompson, interval 1s, floor 5 %%, promote at P(best) >= 0.95 after"
        + " 300 rewards per arm):%n");
    System.out.printf(Locale.ROOT, "  served: %s%n", describe(served));
    System.out.printf(Locale.ROOT, "  requests until >= 90 %% of traffic to v2: %d (%.1f s after the start)%n", untilNinety,
        (ninetyAt - startedAt) / 1e9);
    System.out.printf(Locale.ROOT, "  share of requests on v2 after that: %.1f %% of %d%n",
        afterNinety == 0 ? 0 : 100.0 * afterNinetyOnV2 / afterNinety, afterNinety);
    System.out.printf(Locale.ROOT, "  auto-promotion of v2: %.1f s after the start, after %d requests and %d reallocations%n",
        (promotedAt - startedAt) / 1e9, requests, allocations);
    System.out.printf(Locale.ROOT, "  cause: %s%n", promotion);

    // The promotion reaches the edge: every request without a version goes to v2. The old table sent
    // 95 % there too, so one answer from v2 proves nothing; a hundred in a row does.
    long promoted = System.nanoTime();
    int inARow = 0;
    while (inARow < 100) {
      assertTrue(System.nanoTime() - promoted < Duration.ofSeconds(30).toNanos(), "the promotion never reached the edge");
      HttpResponse<String> reply = predict("/v1/models/" + MODEL + ":predict", inARow % ROWS.length);
      assertEquals(200, reply.statusCode(), reply.body());
      inARow = "2".equals(reply.headers().firstValue("Turnout-Model-Version").orElse("")) ? inARow + 1 : 0;
    }
  }

  private static String describe(Map<String, int[]> served) {
    StringBuilder text = new StringBuilder();
    served.forEach((version, counts) -> text.append(text.length() == 0 ? "" : ", ").append('v').append(version)
        .append(' ').append(counts[0]).append(" requests, ")
        .append(String.format(Locale.ROOT, "%.1f %% correct", counts[0] == 0 ? 0 : 100.0 * counts[1] / counts[0])));
    return text.toString();
  }
}

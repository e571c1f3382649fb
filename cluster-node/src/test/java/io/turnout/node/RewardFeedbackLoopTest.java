package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.feedback.RequestIdSigner;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.VersionWindow;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Rewards end to end on a real node with a real Cassandra: predictions split between two versions
 * by a rollout, rewards posted for their request ids, and the model's coordinator seeing exactly
 * the accepted ones in its window, per version; duplicates and forgeries add nothing.
 */
@ExtendWith(RealCassandra.class)
class RewardFeedbackLoopTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "rewarded";
  private static TestNode node;

  @BeforeAll
  static void startNode(@TempDir Path dir, RealCassandra.Instance cassandra) throws Exception {
    Path root = TestModels.irisCopies(dir.resolve("models"), MODEL);
    node = TestNode.start(root, TestNode.cassandraConfig(cassandra, "feedback_loop") + """
        turnout.cluster.secret = "feedback-loop-secret"
        """);
    node.awaitAvailable(MODEL, 1, 2);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static <R> R ask(Function<ActorRef<R>, RolloutCoordinator.Command> command) throws Exception {
    return node.askCoordinator(MODEL, command);
  }

  private static HttpResponse<String> predictAs(String user) {
    return node.send(HttpRequest.newBuilder(node.uri("/v1/models/" + MODEL + ":predict")).header("X-User-Id", user)
        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[6.7,3.0,5.2,2.3]]}")).build());
  }

  private static Map<Long, RewardStats> coordinatorRewards() {
    try {
      RolloutCoordinator.RolloutStatus status = ask(RolloutCoordinator.GetStatus::new);
      Map<Long, RewardStats> rewards = new HashMap<>();
      for (Map.Entry<Long, VersionWindow> window : status.sinceStep().entrySet()) {
        rewards.put(window.getKey(), window.getValue().rewards());
      }
      return rewards;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private record Prediction(String requestId, long version) {}

  @Test
  void rewardsForPredictionsReachTheCoordinatorsWindowOfTheVersionThatAnswered() throws Exception {
    // A canary that holds its first step (its gate wants more samples than this test sends): the
    // coordinator keeps adding the edge's windows to one step's window.
    RolloutCoordinator.Result started = ask(replyTo -> new RolloutCoordinator.StartRollout(new RolloutPlan(2,
        List.of(new PhaseSpec.Canary(List.of(5_000), Duration.ofHours(1), new Gate(1_000_000, 0.05, 50.0))),
        "X-User-Id"), 1, 1, 1, "test", replyTo));
    assertInstanceOf(RolloutCoordinator.Accepted.class, started, String.valueOf(started));

    // Rewards are reported only for models with a routing table at the edge: wait until it splits
    // traffic. Without a table the newest version, 2, answers everyone; with it, half get 1.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int user = 0;
    while (!"1".equals(predictAs("user-" + user++).headers().firstValue("Turnout-Model-Version").orElse(""))) {
      assertTrue(System.nanoTime() < deadline, "the split never reached the edge");
    }
    List<Prediction> predictions = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> response = predictAs("user-" + user++);
      assertEquals(200, response.statusCode(), response.body());
      predictions.add(new Prediction(response.headers().firstValue("Turnout-Request-Id").orElseThrow(),
          Long.parseLong(response.headers().firstValue("Turnout-Model-Version").orElseThrow())));
    }
    assertEquals(2, predictions.stream().map(Prediction::version).distinct().count(), "a 50/50 split: " + predictions);

    // Version 2 earns 1 per prediction and version 1 earns 0.25: half posted one by one, half in a batch.
    Map<Long, RewardStats> expected = new HashMap<>();
    List<String> batch = new ArrayList<>();
    for (int i = 0; i < predictions.size(); i++) {
      Prediction prediction = predictions.get(i);
      double reward = prediction.version() == 2 ? 1 : 0.25;
      expected.merge(prediction.version(), RewardStats.of(reward), RewardStats::plus);
      String item = "{\"request_id\": \"" + prediction.requestId() + "\", \"reward\": " + reward + "}";
      if (i % 2 == 0) {
        HttpResponse<String> response = node.post("/v1/feedback", item);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("accepted", JSON.readTree(response.body()).get("outcome").asText());
      } else {
        batch.add(item);
      }
    }
    // The first single reward again, inside the batch: counted once.
    batch.add("{\"request_id\": \"" + predictions.get(0).requestId() + "\", \"reward\": 1}");
    String forged = new RequestIdSigner("a guessed secret", Duration.ofHours(1), Duration.ZERO)
        .sign(new ModelVersionId(MODEL, 2), System.currentTimeMillis());
    batch.add("{\"request_id\": \"" + forged + "\", \"reward\": 1}");
    HttpResponse<String> response = node.post("/v1/feedback", "{\"feedback\": [" + String.join(",", batch) + "]}");
    assertEquals(200, response.statusCode(), response.body());
    JsonNode totals = JSON.readTree(response.body());
    assertEquals(predictions.size() / 2, totals.get("accepted").asInt(), response.body());
    assertEquals(1, totals.get("duplicates").asInt(), response.body());
    assertEquals(1, totals.get("refused").asInt(), response.body());

    // A last reward after the batch: once the coordinator has it, it has what came before, and a
    // duplicate or forgery counted by mistake would show as one reward too many.
    HttpResponse<String> sentinel = predictAs("user-" + user);
    long sentinelVersion = Long.parseLong(sentinel.headers().firstValue("Turnout-Model-Version").orElseThrow());
    assertEquals(200, node.post("/v1/feedback", "{\"request_id\": \""
        + sentinel.headers().firstValue("Turnout-Request-Id").orElseThrow() + "\", \"reward\": 0.5}").statusCode());
    expected.merge(sentinelVersion, RewardStats.of(0.5), RewardStats::plus);

    // The edge reports every second.
    long reported = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!near(coordinatorRewards(), expected)) {
      assertTrue(System.nanoTime() < reported, "the coordinator saw " + coordinatorRewards() + ", posted " + expected);
      Thread.sleep(50);
    }
    Map<Long, RewardStats> seen = coordinatorRewards();
    System.out.printf("rewards posted %s, seen by the coordinator %s%n", expected, seen);
    for (long version : List.of(1L, 2L)) {
      assertEquals(expected.get(version).count(), seen.get(version).count(), "version " + version);
      assertEquals(expected.get(version).sum(), seen.get(version).sum(), 1e-9, "version " + version);
    }
  }

  private static boolean near(Map<Long, RewardStats> seen, Map<Long, RewardStats> expected) {
    for (Map.Entry<Long, RewardStats> want : expected.entrySet()) {
      RewardStats got = seen.getOrDefault(want.getKey(), RewardStats.NONE);
      if (got.count() != want.getValue().count() || Math.abs(got.sum() - want.getValue().sum()) > 1e-9) return false;
    }
    return true;
  }
}

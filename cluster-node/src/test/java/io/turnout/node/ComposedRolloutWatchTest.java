package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.testkit.IrisRequests;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.ops.cli.Turnoutctl;
import io.turnout.ops.models.IrisData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Composed phases on one node, started by turnoutctl from flags and driven only by a client: a
 * shadow of Iris v2 against v1, a canary at 10 % and 50 %, then a Thompson bandit fed by rewards
 * (1 when the predicted class is the true one), which promotes v2 on its own. {@code rollout watch}
 * follows it all and prints each phase's analysis as it changes.
 */
class ComposedRolloutWatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "composedwatch";
  private static final String TOKEN = "composed-rollout-admin-token-0123456789";
  private static final IrisData IRIS = IrisData.load();
  private static TestNode node;

  @BeforeAll
  static void startNode(@TempDir Path dir) throws IOException {
    Path root = TestModels.irisCopies(dir.resolve("models"), MODEL);
    node = TestNode.start(root, """
        turnout.admin.token = "%s"
        turnout.admin.events.poll-interval = 100ms
        turnout.admin.events.keep-alive = 1s
        turnout.rollout.evaluation-interval = 200ms
        pekko.persistence.journal.plugin = "pekko.persistence.journal.inmem"
        pekko.persistence.snapshot-store.plugin = "pekko.persistence.snapshot-store.local"
        pekko.persistence.snapshot-store.local.dir = "%s"
        """.formatted(TOKEN, dir.resolve("snapshots")));
    node.awaitAvailable(MODEL, 1, 2);
    // A cold JVM answers its first requests slowly; gates should judge versions, not the JIT.
    for (int i = 0; i < 300; i++) predict("/v1/models/" + MODEL + "/versions/" + (1 + i % 2) + ":predict", i % IRIS.size(), null);
  }

  @AfterAll
  static void stopNode() {
    if (node != null) node.close();
  }

  record Cli(int code, String out, String err) {}

  static Cli turnoutctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--url", node.adminUri("").toString(), "--token", TOKEN, "--user", "dana"));
    all.addAll(List.of(args));
    int code = Turnoutctl.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err), false);
    return new Cli(code, out.toString(), err.toString());
  }

  static HttpResponse<String> predict(String path, int row, String user) {
    return node.send(IrisRequests.predict(node, path, IRIS.features()[row], user));
  }

  static JsonNode admin(String path) throws IOException {
    HttpResponse<String> reply = node.send(HttpRequest.newBuilder(node.adminUri(path))
        .header("Authorization", "Bearer " + TOKEN).GET().build());
    assertEquals(200, reply.statusCode(), reply.body());
    return JSON.readTree(reply.body());
  }

  @Test
  void shadowThenCanaryThenBanditPromotesTheBetterVersionOnItsOwn() throws Exception {
    // Iris v2 picks v1's class on 83 % of the rows (ShadowPhaseTest), so the shadow asks for 70 %.
    Cli started = turnoutctl("rollout", "start", MODEL, "--target", "2", "--sticky-header", "X-User-Id",
        "--shadow", "100", "--shadow-duration", "3s", "--shadow-min-samples", "100", "--min-agreement", "0.7",
        "--shadow-max-p99-ratio", "50",
        "--canary", "10,50", "--bake", "2s",
        "--bandit", "thompson", "--interval", "1s", "--floor", "5", "--promote-threshold", "0.95", "--min-rewards", "300",
        "--min-samples", "10", "--max-error-increase", "0.05", "--max-p99-ratio", "50");
    assertEquals(0, started.code(), started.err());
    CompletableFuture<Cli> watching = CompletableFuture.supplyAsync(
        () -> turnoutctl("rollout", "watch", MODEL, "--every", "500ms"));

    Random rows = new Random(7);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    // Paced at 250 requests a second: the bandit's first interval then brings fewer than its 300
    // rewards per arm on any machine, so v1 earns the rest at its floor and the bandit reallocates.
    long pacedFrom = System.nanoTime();
    int requests = 0;
    JsonNode status = admin("/admin/models/" + MODEL + "/rollout");
    while (status.path("rollout").isObject()) {
      assertTrue(System.nanoTime() < deadline, "still " + status.at("/rollout/phase") + " after " + requests
          + " requests: " + status.path("lastDecision").asText());
      long due = pacedFrom + requests * TimeUnit.MILLISECONDS.toNanos(4);
      while (System.nanoTime() < due) LockSupport.parkNanos(due - System.nanoTime());
      int row = rows.nextInt(IRIS.size());
      HttpResponse<String> reply = predict("/v1/models/" + MODEL + ":predict", row, "user-" + requests);
      assertEquals(200, reply.statusCode(), reply.body());
      int reward = IrisRequests.predictedClass(reply) == IRIS.labels()[row] ? 1 : 0;
      String id = reply.headers().firstValue("Turnout-Request-Id").orElseThrow();
      HttpResponse<String> feedback = IrisRequests.postFeedback(node, id, reward);
      assertEquals(200, feedback.statusCode(), feedback.body());
      if (++requests % 20 == 0) status = admin("/admin/models/" + MODEL + "/rollout");
    }

    assertEquals(2, status.get("stableVersion").asLong(), "v2 promoted: " + status);
    List<String> history = new ArrayList<>();
    admin("/admin/models/" + MODEL + "/rollout/history?after=0&limit=1000").path("entries")
        .forEach(entry -> history.add(entry.path("event").asText() + ": " + entry.path("detail").asText()));
    history.forEach(line -> System.out.println("HISTORY " + line));
    List<String> entered = history.stream().filter(line -> line.startsWith("PhaseEntered")).toList();
    assertEquals(List.of("PhaseEntered: phase 1: shadow starts", "PhaseEntered: phase 2: canary starts",
        "PhaseEntered: phase 3: bandit starts"), entered);
    assertTrue(history.stream().anyMatch(line -> line.startsWith("AllocationChanged")), String.valueOf(history));
    assertTrue(history.stream().noneMatch(line -> line.startsWith("GateFailed") || line.startsWith("RolledBack")),
        String.valueOf(history));
    String promoted = history.stream().filter(line -> line.startsWith("Promoted")).findFirst().orElseThrow();
    assertTrue(promoted.contains("probability of being best"), promoted);

    Cli watched = watching.get(60, TimeUnit.SECONDS);
    System.out.println("WATCH after " + requests + " requests:\n" + watched.out());
    assertEquals(0, watched.code(), watched.out() + watched.err());
    String out = watched.out();
    assertTrue(out.contains("  shadow: mirroring 100 % of v1's requests"), out);
    assertTrue(out.contains("    v2: agreement "), out);
    assertTrue(out.contains("  bandit (thompson), allocation of routing revision "), out);
    assertTrue(out.indexOf("  shadow: mirroring") < out.indexOf("  bandit (thompson)"), "in the phases' order");
    assertTrue(out.contains("Promoted by gate"), out);
  }
}

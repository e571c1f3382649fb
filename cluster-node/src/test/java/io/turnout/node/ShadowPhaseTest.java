package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.admin.RolloutJson;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.ops.models.IrisData;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.ShadowGate;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow phases of Iris v2 (fully trained) against v1 (briefly trained) on one real node with a
 * real Cassandra: the edge copies v1's requests to v2 and compares the answers; what the coordinator
 * hears must be the two versions' real agreement, as measured by asking each version directly; the
 * copies never change a primary reply; and beyond the node's in-flight limit, set to 2 here, copies
 * are dropped and counted.
 */
@ExtendWith(RealCassandra.class)
class ShadowPhaseTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_IN_FLIGHT = 2;
  /** A shadow that never ends or fails by itself: the test reads what it saw, then aborts it. */
  private static final PhaseSpec.Shadow OPEN_ENDED =
      new PhaseSpec.Shadow(List.of(), 10_000, Duration.ofHours(1), new ShadowGate(1_000_000, 0, 1000, 1));

  /** "truth" is only ever asked by version, so that its requests count in no rollout's windows. */
  private static final List<String> MODELS = List.of("truth", "shadow", "shadowpass", "shadowfail", "shadowdrop");

  private static TestNode node;
  private static float[][] rows;
  /** Per Iris row: v1's reply body asked by version, and whether v1 and v2 pick the same class. */
  private static List<String> v1Bodies;
  private static boolean[] agrees;
  private static double[] meanAbsDiff;
  private static double directAgreement;

  @BeforeAll
  static void startNode(@TempDir Path dir, RealCassandra.Instance cassandra) throws Exception {
    Path root = TestModels.irisCopies(dir.resolve("models"), MODELS.toArray(String[]::new));
    node = TestNode.start(root, TestNode.cassandraConfig(cassandra, "shadow_phase")
        + "turnout.serving.shadow.max-in-flight = " + MAX_IN_FLIGHT + "\n");
    for (String model : MODELS) node.awaitAvailable(model, 1, 2);

    // Ground truth: every Iris row asked of each version by name, which is never mirrored.
    rows = IrisData.load().features();
    v1Bodies = new ArrayList<>();
    agrees = new boolean[rows.length];
    meanAbsDiff = new double[rows.length];
    int agreeing = 0;
    for (int i = 0; i < rows.length; i++) {
      HttpResponse<String> one = node.post("/v1/models/truth/versions/1:predict", body(i));
      HttpResponse<String> two = node.post("/v1/models/truth/versions/2:predict", body(i));
      assertEquals(200, one.statusCode(), one.body());
      assertEquals(200, two.statusCode(), two.body());
      v1Bodies.add(one.body());
      double[] p1 = probabilities(one.body());
      double[] p2 = probabilities(two.body());
      agrees[i] = argmax(p1) == argmax(p2);
      for (int c = 0; c < p1.length; c++) meanAbsDiff[i] += Math.abs(p1[c] - p2[c]) / p1.length;
      if (agrees[i]) agreeing++;
    }
    directAgreement = (double) agreeing / rows.length;
    System.out.printf(Locale.ROOT, "Iris v2 vs v1, asked directly: argmax agreement %.4f over %d rows%n",
        directAgreement, rows.length);
    assertTrue(directAgreement > 0.5 && directAgreement < 0.99,
        "v1 and v2 must disagree on some rows for these tests to mean anything: " + directAgreement);
  }

  @AfterAll
  static void stopNode() {
    if (node != null) node.close();
  }

  private static String body(int row) {
    float[] r = rows[row];
    return String.format(Locale.ROOT, "{\"instances\": [[%s, %s, %s, %s]]}", r[0], r[1], r[2], r[3]);
  }

  private static double[] probabilities(String body) throws Exception {
    JsonNode row = JSON.readTree(body).get("predictions").get(0);
    double[] p = new double[row.size()];
    for (int i = 0; i < p.length; i++) p[i] = row.get(i).asDouble();
    return p;
  }

  private static int argmax(double[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
    return best;
  }

  private static HttpResponse<String> predictRouted(String model, int row) {
    return node.send(HttpRequest.newBuilder(node.uri("/v1/models/" + model + ":predict"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body(row))).build());
  }

  private static String versionOf(HttpResponse<String> response) {
    assertEquals(200, response.statusCode(), response.body());
    return response.headers().firstValue("Turnout-Model-Version").orElse("?");
  }

  private static <R> R ask(String model, Function<ActorRef<R>, RolloutCoordinator.Command> command) throws Exception {
    return node.askCoordinator(model, command);
  }

  private static void start(String model, PhaseSpec.Shadow shadow) throws Exception {
    RolloutPlan plan = new RolloutPlan(2, List.of(shadow), "");
    RolloutCoordinator.Result started =
        ask(model, replyTo -> new RolloutCoordinator.StartRollout(plan, 1, 1, 1, "test", replyTo));
    assertInstanceOf(RolloutCoordinator.Accepted.class, started, String.valueOf(started));
  }

  private static RolloutCoordinator.RolloutStatus status(String model) {
    try {
      return ask(model, RolloutCoordinator.GetStatus::new);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** What version 2 did as a shadow since the phase began, as the coordinator heard it from the edge. */
  private static ShadowStats shadowOfV2(String model) {
    return status(model).sinceStep().getOrDefault(2L, VersionWindow.empty()).shadow();
  }

  private static List<String> history(String model) {
    return node.rolloutHistory(model);
  }

  private static void awaitTrue(String model, TestNode.Check check, String what) throws Exception {
    node.awaitRollout(model, check, what);
  }

  /** Routed requests sent until the shadow's table served one: how many version 1 (mirrored) and 2 answered. */
  record WarmUp(int onStable, int onCandidate) {}

  /** Sends row 0 routed until the shadow's table serves it; before, the newest version answers. */
  private static WarmUp awaitShadowTable(String model) throws Exception {
    int[] answered = {0, 0};
    awaitTrue(model, () -> {
      boolean stable = versionOf(predictRouted(model, 0)).equals("1");
      answered[stable ? 0 : 1]++;
      return stable;
    }, "the shadow's table reaches the edge");
    return new WarmUp(answered[0], answered[1]);
  }

  @Test
  void theShadowReportsTheVersionsRealAgreementAndNeverChangesAPrimaryReply() throws Exception {
    start("shadow", OPEN_ENDED);
    WarmUp warm = awaitShadowTable("shadow");
    int warmUp = warm.onStable();

    // Two rounds over every row, routed: version 1 answers, every request is copied to version 2.
    int sent = warmUp;
    int expectedAgreed = warmUp * (agrees[0] ? 1 : 0);
    double expectedSumDiff = warmUp * meanAbsDiff[0];
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < rows.length; i++) {
        HttpResponse<String> routed = predictRouted("shadow", i);
        assertEquals("1", versionOf(routed));
        assertEquals(v1Bodies.get(i), routed.body(), "row " + i + ": the mirrored primary's body is version 1's own");
        sent++;
        expectedAgreed += agrees[i] ? 1 : 0;
        expectedSumDiff += meanAbsDiff[i];
      }
    }
    int total = sent;
    awaitTrue("shadow", () -> shadowOfV2("shadow").mirrored() + shadowOfV2("shadow").dropped() >= total,
        "every copy is accounted for");

    ShadowStats seen = shadowOfV2("shadow");
    System.out.printf(Locale.ROOT, "shadow phase, v2 shadowing v1: %d copies, %d dropped, %d failed, agreement %.4f,"
            + " mean |diff| %.5f, max |diff| %.4f, shadow p99 %.0f µs; expected agreement %.4f, mean |diff| %.5f%n",
        seen.mirrored(), seen.dropped(), seen.errors(), seen.agreement(), seen.meanAbsDiff(), seen.maxAbsDiff(),
        seen.p99Micros(), (double) expectedAgreed / total, expectedSumDiff / total);
    assertEquals(total, seen.mirrored() + seen.dropped(), "each routed request was copied or dropped, once");
    assertEquals(0, seen.errors());
    assertEquals(seen.mirrored(), seen.compared());
    assertEquals(seen.compared(), seen.classified(), "Iris' probabilities are scores per class");
    // Exact when nothing was dropped; a dropped copy can move the rate by at most its own share.
    double slack = (double) seen.dropped() / total + 1e-9;
    assertEquals((double) expectedAgreed / total, seen.agreement(), slack, "the agreement the edge measured");
    assertEquals(expectedSumDiff / total, seen.meanAbsDiff(), slack + 1e-6, "the mean absolute difference");
    // The admin API's status shows the same comparison, from the coordinator's own status.
    RolloutCoordinator.RolloutStatus now = status("shadow");
    ShadowStats reported = now.sinceStep().getOrDefault(2L, VersionWindow.empty()).shadow();
    JsonNode shown = new ObjectMapper().readTree(RolloutJson.status(now, Map.of(), Map.of())).get("shadow");
    JsonNode candidate = shown.at("/candidates/0");
    assertEquals(100, shown.get("mirrorPercent").asInt());
    assertEquals(2, candidate.get("version").asLong());
    assertEquals(reported.mirrored(), candidate.get("mirrored").asLong());
    assertEquals(reported.dropped(), candidate.get("dropped").asLong());
    assertEquals(reported.classified(), candidate.get("classified").asLong());
    assertEquals(reported.agreement(), candidate.get("agreement").asDouble(), 1e-12);
    assertTrue(candidate.at("/agreementInterval/0").asDouble() <= reported.agreement()
        && candidate.at("/agreementInterval/1").asDouble() >= reported.agreement(), candidate.toString());
    assertEquals(reported.meanAbsDiff(), candidate.get("meanAbsDiff").asDouble(), 1e-12);
    assertTrue(candidate.get("p99Ratio").asDouble() > 0, candidate.toString());
    // Only requests routed to version 2 before the table arrived count as its requests, not the copies.
    assertTrue(status("shadow").sinceStep().getOrDefault(2L, VersionWindow.empty()).requests() <= warm.onCandidate(),
        "copies are not requests of the candidate");

    // Without the mirror (the rollout aborted: version 1 alone, version 2 stopping) the same
    // requests get the same bytes.
    assertInstanceOf(RolloutCoordinator.Accepted.class,
        ask("shadow", (ActorRef<RolloutCoordinator.Result> replyTo) -> new RolloutCoordinator.Abort("test", "done", replyTo)));
    // The keeper stops version 2 from the same view the edge routes by: once it is gone, the
    // edge has the table without a mirror.
    node.awaitGet("/v1/models/shadow/versions/2", r -> !r.body().contains("AVAILABLE"), Duration.ofSeconds(60));
    for (int i = 0; i < rows.length; i++) {
      HttpResponse<String> routed = predictRouted("shadow", i);
      assertEquals("1", versionOf(routed));
      assertEquals(v1Bodies.get(i), routed.body(), "row " + i + " without mirroring");
    }
  }

  @Test
  void aCandidateThatAgreesEnoughPassesTheShadowAndIsPromoted() throws Exception {
    double minAgreement = Math.max(0, directAgreement - 0.15);
    start("shadowpass", new PhaseSpec.Shadow(List.of(), 10_000, Duration.ofSeconds(2),
        new ShadowGate(150, minAgreement, 50, 0.01)));

    int row = 0;
    while (status("shadowpass").active() != null) {
      if (row >= 20_000) throw new AssertionError("the shadow phase did not end; history " + history("shadowpass"));
      assertEquals(200, predictRouted("shadowpass", row++ % rows.length).statusCode());
    }

    List<String> events = history("shadowpass");
    assertEquals(2, status("shadowpass").stableVersion(), String.valueOf(events));
    assertEquals(List.of("Promoted", "WeightsChanged"), events.subList(events.size() - 2, events.size()));
    RolloutCoordinator.HistoryPage page = ask("shadowpass", replyTo -> new RolloutCoordinator.GetHistory(0, 1000, replyTo));
    String cause = page.entries().stream().filter(e -> e.event().equals("Promoted")).findFirst().orElseThrow().detail();
    assertTrue(cause.startsWith("version 2 is stable: shadow passed: version 2: agreement "), cause);
    awaitTrue("shadowpass", () -> versionOf(predictRouted("shadowpass", 0)).equals("2"), "promotion reaches the edge");
  }

  @Test
  void aCandidateThatDisagreesTooOftenRollsBackBeforeAnyUserSawIt() throws Exception {
    double minAgreement = Math.min(1, directAgreement + (1 - directAgreement) / 2);
    start("shadowfail", new PhaseSpec.Shadow(List.of(), 10_000, Duration.ofMinutes(10),
        new ShadowGate(150, minAgreement, 50, 0.01)));

    int row = 0;
    while (status("shadowfail").active() != null) {
      if (row >= 20_000) throw new AssertionError("the shadow phase did not end; history " + history("shadowfail"));
      HttpResponse<String> response = predictRouted("shadowfail", row++ % rows.length);
      assertEquals(200, response.statusCode());
    }

    assertEquals(1, status("shadowfail").stableVersion());
    List<String> events = history("shadowfail");
    assertEquals(List.of("GateFailed", "RolledBack", "WeightsChanged"), events.subList(events.size() - 3, events.size()));
    RolloutCoordinator.HistoryPage page = ask("shadowfail", replyTo -> new RolloutCoordinator.GetHistory(0, 1000, replyTo));
    String reason = page.entries().stream().filter(e -> e.event().equals("GateFailed")).findFirst().orElseThrow().detail();
    assertTrue(reason.startsWith("shadow, candidate version 2: agreement "), reason);
    for (int i = 0; i < 20; i++) assertEquals("1", versionOf(predictRouted("shadowfail", i)), "no user was moved");
  }

  @Test
  void copiesBeyondTheInFlightLimitAreDroppedAndCountedWhilePrimariesAllSucceed() throws Exception {
    start("shadowdrop", OPEN_ENDED);
    int warmUp = awaitShadowTable("shadowdrop").onStable();

    int clients = 24;
    int each = 40;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Integer>> answered = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        answered.add(pool.submit(() -> {
          int onStable = 0;
          for (int i = 0; i < each; i++) {
            HttpResponse<String> response = predictRouted("shadowdrop", (client * each + i) % rows.length);
            if (versionOf(response).equals("1")) onStable++;
          }
          return onStable;
        }));
      }
      int total = warmUp;
      for (Future<Integer> future : answered) total += future.get();
      assertEquals(warmUp + clients * each, total, "version 1 answered every request, all with 200");

      int expected = total;
      awaitTrue("shadowdrop", () -> shadowOfV2("shadowdrop").mirrored() + shadowOfV2("shadowdrop").dropped() >= expected,
          "every copy is accounted for");
      ShadowStats seen = shadowOfV2("shadowdrop");
      System.out.printf(Locale.ROOT, "%d clients at once, in-flight limit %d: %d copies sent, %d dropped of %d%n",
          clients, MAX_IN_FLIGHT, seen.mirrored(), seen.dropped(), total);
      assertEquals(total, seen.mirrored() + seen.dropped());
      assertTrue(seen.dropped() > 0, "with " + clients + " clients at once some copies find the limit reached");
      assertTrue(seen.mirrored() > 0, "and some go through");
      assertEquals(0, seen.errors(), "a dropped copy is not a failed one");
    } finally {
      pool.shutdownNow();
    }
  }
}

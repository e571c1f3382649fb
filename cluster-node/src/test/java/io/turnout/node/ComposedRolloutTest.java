package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.testkit.IrisRequests;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.ops.models.IrisData;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One plan, Iris v1 to v2, that runs end to end on its own on one real node with a real Cassandra:
 * a shadow of v2 against v1, a canary of 10 % then 50 %, a Thompson bandit, and the bandit's
 * auto-promotion of v2. Nobody touches the rollout after starting it; a client sends Iris rows
 * without naming a version and posts reward 1 for a correct class, else 0, and never sees a failure.
 */
@ExtendWith(RealCassandra.class)
class ComposedRolloutTest {
  private static final String MODEL = "composediris";
  private static final String TOKEN = "composed-rollout-admin-token-0123456789";
  private static final IrisData IRIS = IrisData.load();
  private static final float[][] ROWS = IRIS.features();
  private static final int[] LABELS = IRIS.labels();
  private static final List<String> PHASES = List.of("shadow", "canary", "bandit");
  /** Client-side users, so that a canary's sticky split has someone to put on each side. */
  private static final int USERS = 2_000;

  /**
   * The plan under test, as users write it. Iris v2 agrees with v1 on 124 of the 150 rows (0.827):
   * the shadow gate asks for 0.8, which the two versions reach, while the 0.9 of the example
   * would (rightly) roll this candidate back; the client walks the rows in shuffled passes and the
   * gate judges at least 600 copies (four passes), so the measured rate stays within about a point
   * of 0.827 wherever the phase starts within a pass. Latency limits are loose: the test runs
   * on a shared 2-core machine, and a p99 of a few dozen samples there judges the machine.
   * {@code minRewards} 400: by the first reallocation a client of a few hundred requests a second
   * brings each arm fewer rewards than that, even counting the canary's last second, whose report
   * reaches the coordinator after the bandit began and counts as the bandit's; so the bandit shifts
   * traffic to v2 before it can promote, and v1 earns the rest at its 5 % floor.
   */
  static final String PLAN = """
      {"targetVersion": 2, "stickyHeader": "X-User-Id",
       "phases": [
         {"kind": "shadow", "mirror": 100, "duration": "2s",
          "gate": {"minSamples": 600, "minAgreement": 0.8, "maxP99Ratio": 10, "maxErrorRate": 0.01}},
         {"kind": "canary", "steps": [10, 50], "bakeTime": "2s",
          "gate": {"minSamples": 50, "maxErrorRateIncrease": 0.01, "maxP99Ratio": 10}},
         {"kind": "bandit", "policy": "thompson", "interval": "1s", "floor": 5,
          "promoteThreshold": 0.95, "minRewards": 400,
          "gate": {"minSamples": 50, "maxErrorRateIncrease": 0.05, "maxP99Ratio": 50}}
       ]}""";

  private static TestNode node;

  @BeforeAll
  static void startNode(@TempDir Path dir, RealCassandra.Instance cassandra) throws Exception {
    Path root = TestModels.irisCopies(dir.resolve("models"), MODEL);
    node = TestNode.start(root, TestNode.cassandraConfig(cassandra, "composed") + """
        turnout.admin.token = "%s"
        turnout.cluster.secret = "composed-rollout-secret"
        """.formatted(TOKEN));
    node.awaitAvailable(MODEL, 1, 2);
    // A cold JVM answers its first requests slowly; the gates should judge versions, not the JIT.
    for (int i = 0; i < 300; i++) {
      HttpResponse<String> warm = predict("/v1/models/" + MODEL + "/versions/" + (1 + i % 2) + ":predict", i % ROWS.length, null);
      assertEquals(200, warm.statusCode(), warm.body());
    }
  }

  @AfterAll
  static void stopNode() {
    if (node != null) node.close();
  }

  private static HttpResponse<String> predict(String path, int row, String user) {
    return node.send(IrisRequests.predict(node, path, ROWS[row], user));
  }

  private static <R> R ask(Function<ActorRef<R>, RolloutCoordinator.Command> command) throws Exception {
    return node.askCoordinator(MODEL, command);
  }

  /**
   * Sends Iris rows without a version, as random users of {@link #USERS}, in shuffled passes over
   * the data set, and posts each reply's reward; counts requests per phase the test says it is in
   * ({@link #phase}: 0 shadow, 1 canary, 2 bandit, 3 promoted) and version, and every failure.
   */
  static final class Client implements Runnable {
    volatile int phase = 0;
    volatile boolean stop = false;
    final AtomicInteger sent = new AtomicInteger();
    /** Requests per phase (4) and version (1, 2): index phase * 2 + version - 1. */
    final AtomicLongArray served = new AtomicLongArray(8);
    final AtomicLongArray correct = new AtomicLongArray(8);
    /** Replies from version 2 in a row, up to the latest one. */
    final AtomicInteger v2InARow = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private static final long PACE_NANOS = 4_000_000;

    @Override
    public void run() {
      Random random = new Random(2026);
      int[] order = new int[ROWS.length];
      for (int i = 0; i < order.length; i++) order[i] = i;
      int position = order.length;
      // Paced at 250 requests a second: the bandit's first interval then brings fewer than its 400
      // rewards per arm on any machine, so it has to reallocate before it can promote.
      long pacedFrom = System.nanoTime();
      long paced = 0;
      while (!stop) {
        long due = pacedFrom + paced++ * PACE_NANOS;
        while (System.nanoTime() < due) LockSupport.parkNanos(due - System.nanoTime());
        if (position == order.length) {
          shuffle(order, random);
          position = 0;
        }
        int row = order[position++];
        String user = "user-" + random.nextInt(USERS);
        int inPhase = phase;
        try {
          HttpResponse<String> reply = predict("/v1/models/" + MODEL + ":predict", row, user);
          if (reply.statusCode() / 100 != 2) {
            failures.add("predict " + reply.statusCode() + " " + reply.body());
            continue;
          }
          String version = reply.headers().firstValue("Turnout-Model-Version").orElse("?");
          String requestId = reply.headers().firstValue("Turnout-Request-Id").orElse(null);
          if (requestId == null || !(version.equals("1") || version.equals("2"))) {
            failures.add("reply without a version or request id: " + reply.headers().map());
            continue;
          }
          int reward = IrisRequests.predictedClass(reply) == LABELS[row] ? 1 : 0;
          HttpResponse<String> feedback = IrisRequests.postFeedback(node, requestId, reward);
          if (feedback.statusCode() != 200) failures.add("feedback " + feedback.statusCode() + " " + feedback.body());
          int slot = inPhase * 2 + Integer.parseInt(version) - 1;
          served.incrementAndGet(slot);
          correct.addAndGet(slot, reward);
          if (version.equals("2")) v2InARow.incrementAndGet();
          else v2InARow.set(0);
          sent.incrementAndGet();
        } catch (Exception | AssertionError e) {
          failures.add("request failed: " + e);
        }
      }
    }

    private static void shuffle(int[] order, Random random) {
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = order[i];
        order[i] = order[j];
        order[j] = swap;
      }
    }

    String servedIn(int inPhase) {
      StringBuilder text = new StringBuilder();
      for (int version = 1; version <= 2; version++) {
        long requests = served.get(inPhase * 2 + version - 1);
        if (requests == 0) continue;
        text.append(text.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "v%d %d (%.1f %% correct)",
            version, requests, 100.0 * correct.get(inPhase * 2 + version - 1) / requests));
      }
      return text.toString();
    }
  }

  @Test
  void aShadowCanaryBanditPlanPromotesTheBetterVersionOnItsOwn() throws Exception {
    Client client = new Client();
    Thread clientThread = new Thread(client, "composed-client");
    long startedAt = System.nanoTime();
    HttpResponse<String> started = node.send(HttpRequest.newBuilder(node.adminUri("/admin/models/" + MODEL + "/rollouts"))
        .header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(PLAN))
        .build());
    assertEquals(201, started.statusCode(), started.body());
    clientThread.start();

    // Watch the coordinator as an operator would, noting when each phase began (in requests sent)
    // and what each phase's routing table looks like.
    long[] enteredNanos = new long[4];
    int[] enteredAtRequest = new int[4];
    enteredNanos[0] = startedAt;
    int phase = 0;
    ShadowStats lastShadow = ShadowStats.none();
    int untilNinety = -1;
    double ninetySeconds = 0;
    RolloutCoordinator.RolloutStatus status = ask(RolloutCoordinator.GetStatus::new);
    try {
      while (status.active() != null) {
        assertTrue(System.nanoTime() - startedAt < Duration.ofSeconds(150).toNanos(), "no promotion after "
            + client.sent.get() + " requests, in phase " + PHASES.get(phase) + "; last decision: " + status.lastDecision()
            + "; failures " + client.failures);
        assertTrue(client.failures.isEmpty(), "the client saw failures: " + client.failures);
        int now = status.active().phaseIndex();
        if (now != phase) {
          assertEquals(phase + 1, now, "phases run in order, one at a time");
          phase = now;
          enteredNanos[phase] = System.nanoTime();
          enteredAtRequest[phase] = client.sent.get();
          client.phase = phase;
        }
        RoutingTable table = status.table();
        // Each phase's table is its own: no mirror left from the shadow, no per-request draw before the bandit.
        assertEquals(phase == 0, table.mirror().active(), "mirror in phase " + PHASES.get(phase) + ": " + table);
        assertEquals(phase == 2, table.perRequest(), "per-request draw in phase " + PHASES.get(phase) + ": " + table);
        if (phase == 0) lastShadow = status.sinceStep().getOrDefault(2L, VersionWindow.empty()).shadow();
        if (phase == 2 && untilNinety < 0 && table.weightOf(2) >= 9_000) {
          untilNinety = client.sent.get() - enteredAtRequest[2];
          ninetySeconds = (System.nanoTime() - enteredNanos[2]) / 1e9;
        }
        Thread.sleep(50);
        status = ask(RolloutCoordinator.GetStatus::new);
      }
      enteredNanos[3] = System.nanoTime();
      enteredAtRequest[3] = client.sent.get();
      client.phase = 3;
      // At 95 % a run of v2 answers may already be long; count only those after the promotion.
      client.v2InARow.set(0);

      // The promotion reaches the edge: the bandit's last table sent 95 % to v2 already, so only a
      // hundred answers in a row from v2 show that v1 is out of the routing.
      long promotedAt = System.nanoTime();
      while (client.v2InARow.get() < 100) {
        assertTrue(System.nanoTime() - promotedAt < Duration.ofSeconds(30).toNanos(), "the promotion never reached the edge");
        assertTrue(client.failures.isEmpty(), "the client saw failures: " + client.failures);
        Thread.sleep(20);
      }
    } finally {
      client.stop = true;
      clientThread.join(30_000);
    }
    long endedAt = System.nanoTime();
    assertTrue(client.failures.isEmpty(), "every prediction and feedback answered 2xx: " + client.failures);
    assertTrue(client.sent.get() > 0);

    // The audit log tells the whole story in order.
    RolloutCoordinator.HistoryPage page = ask(replyTo -> new RolloutCoordinator.GetHistory(0, 1000, replyTo));
    List<HistoryEntry> history = page.entries();
    history.forEach(entry -> System.out.println("HISTORY " + entry));
    List<String> events = history.stream().map(HistoryEntry::event).toList();
    assertFalse(events.contains("GateFailed") || events.contains("RolledBack") || events.contains("Paused"),
        "nothing failed or needed a hand: " + events);
    List<HistoryEntry> entered = history.stream().filter(e -> e.event().equals("PhaseEntered")).toList();
    assertEquals(List.of("phase 1: shadow starts", "phase 2: canary starts", "phase 3: bandit starts"),
        entered.stream().map(HistoryEntry::detail).toList());
    int shadowEntered = history.indexOf(entered.get(0));
    int canaryEntered = history.indexOf(entered.get(1));
    int banditEntered = history.indexOf(entered.get(2));

    HistoryEntry shadowPassed = history.get(canaryEntered - 1);
    assertEquals("GatePassed", shadowPassed.event(), "the shadow's gate let the canary start");
    assertEquals(RolloutCoordinator.GATE, shadowPassed.by());
    Matcher agreement = Pattern.compile("^shadow passed: version 2: agreement (\\d+\\.\\d) % \\(min 80\\.0 %\\)")
        .matcher(shadowPassed.detail());
    assertTrue(agreement.find(), shadowPassed.detail());
    double shadowAgreement = Double.parseDouble(agreement.group(1)) / 100;
    assertTrue(shadowAgreement >= 0.8 && shadowAgreement <= 0.86,
        "the shadow measured Iris v2's real agreement with v1 (0.827 over the data set): " + shadowAgreement);

    List<String> canaryGates = history.subList(canaryEntered, banditEntered).stream()
        .filter(e -> e.event().equals("GatePassed")).map(HistoryEntry::detail).toList();
    assertEquals(2, canaryGates.size(), String.valueOf(canaryGates));
    assertTrue(canaryGates.get(0).startsWith("canary step 1 of 2 (10 %) passed the gate"), canaryGates.get(0));
    assertTrue(canaryGates.get(1).startsWith("canary step 2 of 2 (50 %) passed the gate"), canaryGates.get(1));
    assertTrue(events.subList(canaryEntered, banditEntered).contains("StepAdvanced"), "10 % then 50 %: " + events);

    List<String> afterBandit = events.subList(banditEntered, events.size());
    long allocations = afterBandit.stream().filter("AllocationChanged"::equals).count();
    assertTrue(allocations >= 1, "the bandit reallocated before it promoted: " + afterBandit);
    assertFalse(events.subList(0, banditEntered).contains("AllocationChanged"), "only the bandit allocates");
    assertEquals(List.of("Promoted", "WeightsChanged"), events.subList(events.size() - 2, events.size()));
    HistoryEntry promoted = history.get(events.size() - 2);
    assertEquals(RolloutCoordinator.GATE, promoted.by(), "promoted by the bandit, not by hand");
    assertTrue(promoted.detail().startsWith("version 2 is stable: bandit (thompson): version 2's probability of being best is"),
        promoted.detail());
    assertTrue(shadowEntered < canaryEntered && canaryEntered < banditEntered && banditEntered < events.size() - 2);

    // Where it ends: v2 is stable, alone in a table with nothing left of the phases, v1 stopped.
    RolloutCoordinator.RolloutStatus done = ask(RolloutCoordinator.GetStatus::new);
    assertEquals(2, done.stableVersion());
    RoutingTable last = done.table();
    assertEquals(10_000, last.weightOf(2), String.valueOf(last));
    assertFalse(last.mirror().active(), String.valueOf(last));
    assertFalse(last.perRequest(), String.valueOf(last));
    assertEquals(0, last.replicasOf(1, 1), "the old stable version's replicas stop: " + last);
    assertTrue(untilNinety > 0, "v2 got 90 % of the bandit's traffic before its promotion");

    System.out.println();
    System.out.printf(Locale.ROOT, "Composed rollout, Iris v1 -> v2 (shadow -> canary 10/50 -> thompson bandit -> promoted):%n");
    double[] seconds = new double[3];
    for (int i = 0; i < 3; i++) {
      Duration length = Duration.between(entered.get(i).at(), i < 2 ? entered.get(i + 1).at() : promoted.at());
      seconds[i] = length.toMillis() / 1000.0;
      System.out.printf(Locale.ROOT, "  %-7s %5.1f s, %5d requests: %s%n", PHASES.get(i), seconds[i],
          enteredAtRequest[i + 1] - enteredAtRequest[i], client.servedIn(i));
    }
    System.out.printf(Locale.ROOT, "  shadow agreement of v2 with v1: %.1f %% at the gate (last polled: %d copies compared,"
        + " agreement %.4f, %d dropped, %d failed)%n", shadowAgreement * 100, lastShadow.compared(),
        lastShadow.agreement(), lastShadow.dropped(), lastShadow.errors());
    System.out.printf(Locale.ROOT, "  bandit: >= 90 %% of traffic to v2 after %d requests (%.1f s); %d reallocations before"
        + " the promotion%n", untilNinety, ninetySeconds, allocations);
    System.out.printf(Locale.ROOT, "  after the promotion: %d requests until 100 in a row from v2: %s%n",
        client.sent.get() - enteredAtRequest[3], client.servedIn(3));
    System.out.printf(Locale.ROOT, "  total: %.1f s from start to promotion, %.1f s to the end of traffic, %d requests,"
        + " 0 failed%n", (enteredNanos[3] - startedAt) / 1e9, (endedAt - startedAt) / 1e9, client.sent.get());
    System.out.printf(Locale.ROOT, "  promotion cause: %s%n", promoted.detail());
  }
}

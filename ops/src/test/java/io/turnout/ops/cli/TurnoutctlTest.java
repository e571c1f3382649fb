package io.turnout.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a stand-in admin API: requests sent, output printed, exit codes. */
class TurnoutctlTest {
  static final String IDLE = "{\"model\":\"iris\",\"stableVersion\":2,\"state\":\"idle\",\"rollout\":null,"
      + "\"routing\":null,\"desiredReplicas\":{},\"readyReplicas\":{},\"lastDecision\":\"\",\"sinceStep\":{}}";
  static final String ROLLING = RenderTest.STATUS;

  StubAdmin admin;
  String out;
  String err;

  @BeforeEach
  void start() throws IOException {
    admin = new StubAdmin();
  }

  @AfterEach
  void stop() {
    admin.close();
  }

  /** {@code args} sent to the stub admin API with its token. */
  private String[] againstStub(String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "--url";
    all[1] = admin.url();
    all[2] = "--token";
    all[3] = "t0ken";
    System.arraycopy(args, 0, all, 4, args.length);
    return all;
  }

  int run(String... args) {
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    String[] all = againstStub(args);
    int code = Turnoutctl.run(all, new PrintWriter(stdout), new PrintWriter(stderr), false);
    out = stdout.toString();
    err = stderr.toString();
    return code;
  }

  @Test
  void registersAVersionWithTokenAndUser() {
    admin.json("PUT /admin/models/iris/versions/3", 201,
        "{\"model\":\"iris\",\"version\":3,\"artifact\":\"file:/m/iris/3\",\"replicas\":2,\"created\":true}");
    assertEquals(0, run("--user", "alice", "versions", "add", "iris", "3", "--artifact", "file:///m/iris/3", "--replicas", "2"));
    assertEquals("registered iris@3 from file:/m/iris/3 with 2 replicas\n", out);
    StubAdmin.Request request = admin.requests.get(0);
    assertEquals("{\"artifact\":\"file:///m/iris/3\",\"replicas\":2}", request.body());
    assertEquals("Bearer t0ken", request.header("Authorization"));
    assertEquals("alice", request.header("X-Turnout-User"));
  }

  @Test
  void aLocalPathBecomesAnAbsoluteFileUri(@TempDir Path dir) {
    assertEquals(dir.toUri().toString(), Commands.VersionsAdd.artifactUri(dir.toString()));
    assertEquals("file:///m/iris/3", Commands.VersionsAdd.artifactUri("file:///m/iris/3"));
  }

  @Test
  void globalOptionsMayFollowTheCommand() {
    admin.json("GET /admin/models/iris/rollout", 200, IDLE);
    StringWriter stdout = new StringWriter();
    int code = Turnoutctl.run(new String[] {"rollout", "status", "iris", "--url", admin.url(), "--output", "json"},
        new PrintWriter(stdout), new PrintWriter(new StringWriter()), false);
    assertEquals(0, code);
    assertTrue(stdout.toString().contains("\"state\" : \"idle\""), stdout.toString());
  }

  @Test
  void startsACanaryFromFlags() {
    admin.json("POST /admin/models/iris/rollouts", 201, ROLLING);
    assertEquals(0, run("rollout", "start", "iris", "--target", "2", "--canary", "5,25,50,100", "--bake", "30s",
        "--min-samples", "100"));
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"canary\",\"steps\":[5,25,50,100],\"bakeTime\":\"30s\","
        + "\"gate\":{\"minSamples\":100}}]}", admin.requests.get(0).body());
    assertTrue(out.startsWith("started: iris: stable v1, rolling out v2"), out);
  }

  @Test
  void startsAComposedPlanWithPhasesInTheOrderOfTheirFlags() {
    admin.json("POST /admin/models/iris/rollouts", 201, ROLLING);
    assertEquals(0, run("rollout", "start", "iris", "--target", "2", "--shadow", "100", "--shadow-duration", "60s",
        "--min-agreement", "0.9", "--canary", "10,50", "--bake", "30s", "--bandit", "thompson", "--arms", "1,2",
        "--interval", "5s", "--promote-threshold", "0.95"));
    assertEquals("{\"targetVersion\":2,\"phases\":["
        + "{\"kind\":\"shadow\",\"mirror\":100,\"duration\":\"60s\",\"gate\":{\"minAgreement\":0.9}},"
        + "{\"kind\":\"canary\",\"steps\":[10,50],\"bakeTime\":\"30s\"},"
        + "{\"kind\":\"bandit\",\"policy\":\"thompson\",\"arms\":[1,2],\"interval\":\"5s\",\"promoteThreshold\":0.95}]}",
        admin.requests.get(0).body());

    assertEquals(0, run("rollout", "start", "iris", "--target", "2", "--bandit", "ucb1", "--interval", "2s", "--canary", "50",
        "--bake", "1m"));
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"bandit\",\"policy\":\"ucb1\",\"interval\":\"2s\"},"
        + "{\"kind\":\"canary\",\"steps\":[50],\"bakeTime\":\"1m\"}]}", admin.requests.get(1).body());
  }

  @Test
  void shadowAndBanditSettingsWithoutTheirPhaseAreUsageErrors() {
    assertEquals(1, run("rollout", "start", "iris", "--target", "2", "--min-agreement", "0.9", "--canary", "50", "--bake", "1m"));
    assertTrue(err.contains("--shadow"), err);
    assertEquals(1, run("rollout", "start", "iris", "--target", "2", "--promote-threshold", "0.9"));
    assertTrue(err.contains("--bandit"), err);
    assertEquals(1, run("rollout", "start", "iris", "--target", "2", "--bandit", "softmax", "--interval", "5s"));
    assertTrue(err.contains("unknown bandit policy 'softmax'"), err);
    assertEquals(0, admin.requests.size());
  }

  @Test
  void startsFromAPlanFileGivenAsPlan(@TempDir Path dir) throws IOException {
    Path plan = dir.resolve("plan.json");
    Files.writeString(plan, "{\"targetVersion\": 2, \"phases\": [{\"kind\": \"shadow\", \"mirror\": 50,"
        + " \"duration\": \"1m\"}, {\"kind\": \"bandit\", \"policy\": \"thompson\"}]}");
    admin.json("POST /admin/models/iris/rollouts", 201, ROLLING);
    assertEquals(0, run("rollout", "start", "iris", "--plan", plan.toString()));
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"shadow\",\"mirror\":50,\"duration\":\"1m\"},"
        + "{\"kind\":\"bandit\",\"policy\":\"thompson\"}]}", admin.requests.get(0).body());
    assertEquals(1, run("rollout", "start", "iris", "--plan", plan.toString(), "--shadow", "10"));
    assertTrue(err.contains("--file holds the whole plan"), err);
  }

  @Test
  void everyCommandHasHelp() {
    assertEquals(0, run("rollout", "start", "--help"));
    assertTrue(out.contains("--shadow=PERCENT") && out.contains("--bandit=POLICY") && out.contains("--plan=PLAN"), out);
    assertEquals(0, run("rollout", "watch", "--help"));
    assertTrue(out.contains("--every=DURATION"), out);
    assertEquals(0, admin.requests.size());
  }

  @Test
  void startsFromAYamlFile(@TempDir Path dir) throws IOException {
    Path plan = dir.resolve("plan.yml");
    Files.writeString(plan, "targetVersion: 1\nphases:\n  - {kind: rolling, bakeTime: 10s}\n");
    admin.json("POST /admin/models/iris/rollouts", 201, ROLLING);
    assertEquals(0, run("rollout", "start", "iris", "-f", plan.toString(), "--target", "4"));
    assertEquals("{\"targetVersion\":4,\"phases\":[{\"kind\":\"rolling\",\"bakeTime\":\"10s\"}]}",
        admin.requests.get(0).body());
  }

  @Test
  void aRefusalExitsTwoWithTheDetailOnStderr() {
    admin.json("POST /admin/models/iris/rollouts", 422,
        StubAdmin.problem(422, "phase 1 has an unknown kind \\\"shadow\\\"", "/phases/0/kind"));
    assertEquals(2, run("rollout", "start", "iris", "--target", "2", "--canary", "100", "--bake", "0s"));
    assertEquals("", out);
    assertEquals("turnoutctl: refused (422 Title): phase 1 has an unknown kind \"shadow\" [at /phases/0/kind]\n", err);
    admin.json("POST /admin/models/iris/rollout/pause", 409, StubAdmin.problem(409, "no rollout is in progress", null));
    assertEquals(2, run("pause", "iris"));
    assertTrue(err.contains("no rollout is in progress"), err);
    assertEquals(2, run("versions", "list", "nope"), "404: no stub");
  }

  @Test
  void clusterDrainAsksTheNodeAtTheUrlToLeave() {
    admin.json("POST /admin/cluster/drain", 202, "{\"node\":\"pekko://turnout@10.0.0.2:7355\",\"status\":\"draining\","
        + "\"reason\":\"requested by alice\",\"drainPeriodMs\":5000,\"replicaWaitMs\":30000}");
    assertEquals(0, run("--user", "alice", "cluster", "drain"));
    assertEquals("pekko://turnout@10.0.0.2:7355 is draining (requested by alice): not ready now, serving 5.0 s more, "
        + "then it hands its replicas off (waiting up to 30.0 s for them elsewhere), leaves and exits\n", out);
    assertEquals("alice", admin.requests.get(0).header("X-Turnout-User"));
    assertEquals(0, run("--output", "json", "cluster", "drain"));
    assertTrue(out.contains("\"status\" : \"draining\""), out);
  }

  @Test
  void unauthorizedExitsFour() {
    admin.json("GET /admin/cluster", 401, StubAdmin.problem(401, "the bearer token is not the admin token", null));
    assertEquals(4, run("cluster"));
    assertTrue(err.contains("unauthorized: the bearer token is not the admin token (pass --token or set TURNOUT_ADMIN_TOKEN)"),
        err);
  }

  @Test
  void serverFailuresAndUnreachableExitFive() throws IOException {
    admin.json("GET /admin/models/iris/rollout", 503, StubAdmin.problem(503, "the rollout coordinator did not answer", null));
    assertEquals(5, run("rollout", "status", "iris"));
    assertTrue(err.contains("did not answer"), err);

    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    StringWriter stderr = new StringWriter();
    assertEquals(5, Turnoutctl.run(new String[] {"--url", "http://127.0.0.1:" + closed, "cluster"},
        new PrintWriter(new StringWriter()), new PrintWriter(stderr), false));
    assertTrue(stderr.toString().contains("cannot reach the admin API at http://127.0.0.1:" + closed), stderr.toString());
  }

  @Test
  void usageErrorsExitOneAndSendNothing() {
    assertEquals(1, run("versions", "add", "iris", "3"));
    assertTrue(err.contains("Missing required option: '--artifact=URI'"), err);
    assertEquals(1, run("rollout", "start", "iris", "--canary", "5,100", "--bake", "1s"));
    assertTrue(err.contains("--target is required"), err);
    assertEquals(1, run("weights", "iris", "1:70"));
    assertEquals(1, run("rollout", "start", "iris", "--target", "2", "--preview-time", "1m"));
    assertEquals(1, run("--output", "yaml", "cluster"));
    assertEquals(0, admin.requests.size());
  }

  @Test
  void setsWeightsAndAbortsWithAReason() {
    admin.json("PUT /admin/models/iris/rollout/weights", 200, ROLLING);
    admin.json("POST /admin/models/iris/rollout/abort", 200, IDLE);
    assertEquals(0, run("weights", "iris", "1=70,2=30"));
    assertEquals("{\"weights\":{\"1\":70,\"2\":30}}", admin.requests.get(0).body());
    assertEquals(0, run("abort", "iris", "--reason", "p99 too high"));
    assertEquals("{\"reason\":\"p99 too high\"}", admin.requests.get(1).body());
    assertTrue(out.startsWith("aborted: iris: stable v2, no rollout in progress"), out);
  }

  @Test
  void historyShowsTheNewestEntries() {
    admin.json("GET /admin/models/iris/rollout/history?limit=1", 200, "{\"entries\":[],\"next\":0,\"lastSequence\":30,\"more\":true}");
    admin.json("GET /admin/models/iris/rollout/history?after=25&limit=5", 200, "{\"entries\":["
        + "{\"sequence\":26,\"at\":\"2025-01-01T10:00:00Z\",\"event\":\"Paused\",\"by\":\"bob\",\"detail\":\"paused by hand\"}],"
        + "\"next\":26,\"lastSequence\":30,\"more\":true}");
    assertEquals(0, run("history", "iris", "--limit", "5"));
    assertTrue(out.contains("Paused") && out.contains("bob") && out.contains("… more: --after 26"), out);
  }

  static String event(long sequence, String name, String by, String detail) {
    return "id: " + sequence + "\nevent: " + name + "\ndata: {\"sequence\":" + sequence + ",\"at\":\"2025-01-01T10:00:00Z\","
        + "\"event\":\"" + name + "\",\"by\":\"" + by + "\",\"detail\":\"" + detail + "\"}\n\n";
  }

  @Test
  void watchExitsZeroWhenPromoted() {
    admin.json("GET /admin/models/iris/rollout/history?limit=1", 200, "{\"entries\":[],\"next\":0,\"lastSequence\":3,\"more\":true}");
    admin.json("GET /admin/models/iris/rollout", 200, ROLLING);
    admin.events("GET /admin/models/iris/rollout/events", "retry: 2000\n\n: keep-alive\n\n"
        + event(4, "GatePassed", "gate", "error rate 0.00 %") + event(5, "StepAdvanced", "gate", "step 2")
        + event(6, "Promoted", "gate", "version 2 is stable"));
    assertEquals(0, run("rollout", "watch", "iris"));
    String[] lines = out.split("\n");
    assertTrue(lines[0].startsWith("watching iris: iris: stable v1, rolling out v2"), out);
    assertTrue(lines[1].endsWith("GatePassed by gate: error rate 0.00 %"), out);
    assertTrue(lines[3].endsWith("Promoted by gate: version 2 is stable"), out);
    assertEquals(4, lines.length, out);
    assertEquals("3", admin.requests.stream().filter(r -> r.target().endsWith("/events")).findFirst().orElseThrow()
        .header("Last-Event-ID"), "only what follows the history seen so far");
  }

  @Test
  void watchExitsThreeWhenRolledBackAndReconnectsAfterTheLastEvent() {
    admin.json("GET /admin/models/iris/rollout/history?limit=1", 200, "{\"entries\":[],\"next\":0,\"lastSequence\":3,\"more\":true}");
    admin.json("GET /admin/models/iris/rollout", 200, ROLLING);
    // The first stream ends after one event (a proxy cut it); the reconnect asks for what followed 4.
    admin.events("GET /admin/models/iris/rollout/events", event(4, "GateFailed", "gate", "error rate 40 %"));
    Thread changer = new Thread(() -> {
      while (admin.requests.stream().noneMatch(r -> r.target().endsWith("/events"))) Thread.onSpinWait();
      admin.events("GET /admin/models/iris/rollout/events", event(5, "RolledBack", "gate", "back to version 1"));
    });
    changer.start();
    assertEquals(3, run("--output", "json", "rollout", "watch", "iris"));
    assertTrue(out.contains("\"event\":\"GateFailed\"") && out.contains("\"event\":\"RolledBack\""), out);
    assertEquals("4", admin.requests.stream().filter(r -> r.target().endsWith("/events")).reduce((a, b) -> b)
        .orElseThrow().header("Last-Event-ID"));
  }

  static final String BANDIT_HALF = banditStatus(50, 50, 20);
  static final String BANDIT_SKEWED = banditStatus(12.5, 87.5, 400);

  static String banditStatus(double v1, double v2, long rewards) {
    return "{\"model\":\"iris\",\"stableVersion\":1,\"state\":\"rolling\",\"rollout\":{\"targetVersion\":2,"
        + "\"phase\":{\"index\":1,\"count\":1,\"kind\":\"bandit\"},\"step\":{\"index\":1,\"count\":1},"
        + "\"stage\":\"RUNNING\",\"stageSince\":\"2025-01-01T10:00:00Z\",\"paused\":false,\"startedBy\":\"alice\","
        + "\"startedAt\":\"2025-01-01T10:00:00Z\",\"plan\":{}},\"routing\":null,\"desiredReplicas\":{},"
        + "\"readyReplicas\":{},\"lastDecision\":\"\",\"sinceStep\":{},\"bandit\":{\"policy\":\"thompson\","
        + "\"revision\":7,\"arms\":[{\"version\":1,\"allocationPercent\":" + v1 + ",\"requests\":100,\"rewards\":"
        + rewards + ",\"meanReward\":0.8,\"interval\":null},{\"version\":2,\"allocationPercent\":" + v2
        + ",\"requests\":100,\"rewards\":" + rewards + ",\"meanReward\":0.97,\"interval\":null}]}}";
  }

  void historyUpTo(long sequence) {
    admin.json("GET /admin/models/iris/rollout/history?limit=1", 200,
        "{\"entries\":[],\"next\":0,\"lastSequence\":" + sequence + ",\"more\":true}");
  }

  /** Runs {@code then} on another thread once {@code condition} holds (within 20 s). */
  static Thread when(java.util.function.BooleanSupplier condition, Runnable then) {
    Thread thread = new Thread(() -> {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.onSpinWait();
      then.run();
    });
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  @Test
  void watchPrintsTheAbReportOnceWhenNotATerminal() {
    historyUpTo(3);
    admin.json("GET /admin/models/iris/rollout", 200, RenderTest.AB_STATUS);
    admin.events("GET /admin/models/iris/rollout/events", event(4, "WeightsChanged", "gate", "revision 4")
        + event(5, "Promoted", "bob", "version 2 is stable"));
    assertEquals(0, run("rollout", "watch", "iris", "--every", "0"));
    String[] lines = out.split("\n");
    assertTrue(lines[1].startsWith("  A/B report: two-proportion z-test"), out);
    assertTrue(lines[5].startsWith("  * v2 beats v1: +14.4 pts"), out);
    assertTrue(lines[6].endsWith("WeightsChanged by gate: revision 4"), out);
    assertTrue(lines[7].endsWith("Promoted by bob: version 2 is stable"), out);
    assertEquals(8, lines.length, "unchanged after the event, so printed once: " + out);
  }

  @Test
  void watchPrintsTheBanditAllocationAgainWhenItChanges() {
    StringBuffer printed = new StringBuffer();
    historyUpTo(3);
    admin.json("GET /admin/models/iris/rollout", 200, BANDIT_HALF);
    admin.events("GET /admin/models/iris/rollout/events", ": keep-alive\n\n");
    // Once watching, the allocation moves; once that is printed, the rollout is promoted.
    when(() -> admin.requests.stream().anyMatch(r -> r.target().endsWith("/events")),
        () -> admin.json("GET /admin/models/iris/rollout", 200, BANDIT_SKEWED));
    when(() -> printed.indexOf("87.5 %") >= 0,
        () -> admin.events("GET /admin/models/iris/rollout/events", event(4, "Promoted", "gate", "v2 is best")));
    assertEquals(0, runInto(printed, false, "rollout", "watch", "iris", "--every", "100ms"));
    String text = printed.toString();
    assertTrue(text.contains("v1  ##########----------  50.0 %") && text.contains("v2  ##################--  87.5 %"),
        text);
    assertTrue(text.indexOf("50.0 %") < text.indexOf("87.5 %") && text.indexOf("87.5 %") < text.indexOf("Promoted"), text);
    assertTrue(!text.contains("as last seen"), "the last allocation is already in the log: " + text);
  }

  @Test
  void watchOnATerminalRedrawsALivePanelAndLeavesTheLastReport() {
    StringBuffer printed = new StringBuffer();
    historyUpTo(3);
    admin.json("GET /admin/models/iris/rollout", 200, RenderTest.AB_STATUS);
    admin.events("GET /admin/models/iris/rollout/events", ": keep-alive\n\n");
    // Promoted once the panel has been redrawn by the refresher a few times.
    when(() -> admin.requests.stream().filter(r -> r.target().equals("/admin/models/iris/rollout")).count() >= 4,
        () -> admin.events("GET /admin/models/iris/rollout/events", event(4, "Promoted", "bob", "version 2 is stable")));
    assertEquals(0, runInto(printed, true, "rollout", "watch", "iris", "--every", "50ms"));
    String text = printed.toString();
    String panel = "v2 [####################] phase 1/1 ab, step 1/1, RUNNING since ";
    assertTrue(text.contains(panel), text);
    assertTrue(text.contains("\033[1A\033[K"), "the panel's lines are cleared before each redraw");
    int columns = Watcher.terminalColumns();
    String wide = "    v2   50 %   990      98.5 % [97.5, 99.1]  +14.4 pts [+12.0, +16.8] (+17.1 %)  7.9e-30 *  1187      0.25 %"
        + "  1.9 ms  4.6 ms (1.05x)";
    assertTrue(columns > wide.length() || text.contains(wide.substring(0, columns - 2) + "…\n"),
        "panel lines are cut to the terminal's width, " + columns + " here");
    int end = text.lastIndexOf("\033[1A\033[K");
    assertTrue(text.lastIndexOf("Promoted by bob: version 2 is stable\n") < end, text);
    String after = text.substring(end + "\033[1A\033[K".length());
    assertTrue(after.matches("(?s)as last seen at \\d\\d:\\d\\d:\\d\\d:\n  A/B report: two-proportion z-test.*\n"), after);
    assertTrue(after.contains("(+17.1 %)  7.9e-30 *  1187      0.25 %  1.9 ms  4.6 ms (1.05x)\n"),
        "the report stays whole, not cut to the terminal's width: " + after);
  }

  /** Runs turnoutctl with stdout in {@code printed}, readable while it runs. */
  int runInto(StringBuffer printed, boolean terminal, String... args) {
    java.io.Writer live = new java.io.Writer() {
      @Override
      public void write(char[] chars, int offset, int length) {
        printed.append(chars, offset, length);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    StringWriter stderr = new StringWriter();
    String[] all = againstStub(args);
    int code = Turnoutctl.run(all, new PrintWriter(live), new PrintWriter(stderr), terminal);
    err = stderr.toString();
    return code;
  }

  @Test
  void watchAfterTheRolloutEndedReportsHowItEnded() {
    admin.json("GET /admin/models/iris/rollout/history?limit=1", 200, "{\"entries\":[],\"next\":0,\"lastSequence\":9,\"more\":true}");
    admin.json("GET /admin/models/iris/rollout", 200, IDLE);
    admin.json("GET /admin/models/iris/rollout/history?after=0&limit=1000", 200, "{\"entries\":["
        + "{\"sequence\":8,\"at\":\"2025-01-01T10:00:00Z\",\"event\":\"Aborted\",\"by\":\"bob\",\"detail\":\"back to version 2\"},"
        + "{\"sequence\":9,\"at\":\"2025-01-01T10:00:00Z\",\"event\":\"WeightsChanged\",\"by\":\"bob\",\"detail\":\"revision 4\"}],"
        + "\"next\":9,\"lastSequence\":9,\"more\":false}");
    assertEquals(3, run("rollout", "watch", "iris"));
    assertTrue(out.contains("Aborted by bob"), out);

    admin.json("GET /admin/models/iris/rollout/history?after=0&limit=1000", 200,
        "{\"entries\":[],\"next\":0,\"lastSequence\":0,\"more\":false}");
    assertEquals(2, run("rollout", "watch", "iris"));
    assertTrue(err.contains("no rollout of 'iris' is in progress, and none has ended"), err);
  }
}

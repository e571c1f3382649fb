package io.turnout.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenderTest {
  static JsonNode json(String text) throws Exception {
    return AdminClient.JSON.readTree(text);
  }

  static final String STATUS = """
      {"model":"iris","stableVersion":1,"state":"rolling",
       "rollout":{"targetVersion":2,"phase":{"index":1,"count":2,"kind":"canary"},
         "step":{"index":2,"count":4,"targetPercent":25},"stage":"BAKING","stageSince":"2025-01-01T10:00:40Z",
         "paused":false,"startedBy":"alice","startedAt":"2025-01-01T10:00:00Z","plan":{}},
       "routing":{"revision":4,"stableVersion":1,"weights":[{"version":2,"percent":25},{"version":1,"percent":75}],
         "rules":[{"header":"X-Segment","values":["beta"],"version":2}],"stickyHeader":"X-User-Id"},
       "desiredReplicas":{"1":2,"2":1},"readyReplicas":{"1":2},
       "lastDecision":"canary step 2 of 4: 3 of 100 target requests so far",
       "sinceStep":{"2":{"requests":3,"errors":0,"errorRate":0.0,"p99Ms":2.5}}}
      """;

  static String time(String iso) {
    return Render.TIME.format(Instant.parse(iso));
  }

  @Test
  void statusOfARolloutInProgress() throws Exception {
    String text = Render.status(json(STATUS));
    String[] lines = text.split("\n");
    assertTrue(lines[0].startsWith("iris: stable v1, rolling out v2, started by alice at "), lines[0]);
    assertEquals("  phase 1/2 canary, step 2/4 (25 %), BAKING since " + time("2025-01-01T10:00:40Z"), lines[1]);
    assertEquals("  weights: v2 25 %, v1 75 %; rules: X-Segment in [beta] -> v2", lines[2]);
    assertEquals("  replicas: v1 2/2 ready, v2 0/1 ready", lines[3]);
    assertEquals("  since step: v2 3 req, 0.00 % errors, p99 2.5 ms", lines[4]);
    assertEquals("  last decision: canary step 2 of 4: 3 of 100 target requests so far", lines[5]);
  }

  /** What the admin API answers for an A/B phase (see the node's RolloutJson.abReport). */
  static final String AB_STATUS = """
      {"model":"iris","stableVersion":1,"state":"rolling",
       "rollout":{"targetVersion":2,"phase":{"index":1,"count":1,"kind":"ab"},"step":{"index":1,"count":1},
         "stage":"RUNNING","stageSince":"2025-01-01T10:00:00Z","paused":false,"startedBy":"alice",
         "startedAt":"2025-01-01T10:00:00Z","plan":{}},
       "routing":{"revision":3,"stableVersion":1,"weights":[{"version":1,"percent":50},{"version":2,"percent":50}],"rules":[]},
       "desiredReplicas":{"1":1,"2":1},"readyReplicas":{"1":1,"2":1},"lastDecision":"A/B test running for 5m",
       "sinceStep":{},
       "report":{"control":1,"test":"two-proportion z-test","confidence":0.95,"winner":2,"arms":[
         {"version":1,"percent":50,"control":true,"requests":1204,"errors":0,"errorRate":0.0,"p50Ms":1.9,"p99Ms":4.4,
          "rewards":1002,"meanReward":0.8413173652694611,"interval":[0.8173960194388792,0.8626316270671226]},
         {"version":2,"percent":50,"control":false,"requests":1187,"errors":3,"errorRate":0.0025273799494524,
          "p50Ms":1.9,"p99Ms":4.6,"rewards":990,"meanReward":0.9848484848484849,
          "interval":[0.9751520538244008,0.9907967818572471],
          "vsControl":{"difference":0.14353111957902376,"interval":[0.12011491726985178,0.16818092736023674],
            "relativeDifference":0.17060282540709584,"statistic":11.344115352931517,"degreesOfFreedom":null,
            "pValue":7.932438770662384e-30,"significant":true,"errorRateDifference":0.0025273799494524,
            "p99Ratio":1.0454545454545454}}]}}
      """;

  @Test
  void theAbReportAsATable() throws Exception {
    List<String> lines = Render.analysis(json(AB_STATUS));
    assertEquals("  A/B report: two-proportion z-test, 95 % intervals, control v1", lines.get(0));
    assertEquals("    ARM  SHARE  REWARDS  CONVERSION           VS CONTROL" + " ".repeat(26)
        + "P-VALUE    REQUESTS  ERRORS  P50     P99", lines.get(1));
    assertEquals("    v1   50 %   1002     84.1 % [81.7, 86.3]  control" + " ".repeat(29)
        + "-          1204      0.0 %   1.9 ms  4.4 ms", lines.get(2));
    assertEquals("    v2   50 %   990      98.5 % [97.5, 99.1]  +14.4 pts [+12.0, +16.8] (+17.1 %)  7.9e-30 *  1187"
        + "      0.25 %  1.9 ms  4.6 ms (1.05x)", lines.get(3));
    assertEquals("  * v2 beats v1: +14.4 pts, p = 7.9e-30, significant at 95 %", lines.get(4));
    assertEquals(5, lines.size());
    assertTrue(Render.status(json(AB_STATUS)).endsWith(String.join("\n", lines) + "\n"), "status ends with the report");
  }

  @Test
  void anAbReportOfRealValuedRewardsAndThreeArmsWithoutAWinner() throws Exception {
    List<String> lines = Render.abReport(json("""
        {"control":1,"test":"Welch's t-test","confidence":0.95,"winner":null,"arms":[
          {"version":1,"percent":40,"control":true,"requests":10,"errors":0,"errorRate":0.0,"p50Ms":1.0,"p99Ms":1.0,
           "rewards":10,"meanReward":0.75,"interval":[-0.5297804135262325,2.0297804135262325]},
          {"version":2,"percent":30,"control":false,"requests":10,"errors":0,"errorRate":0.0,"p50Ms":1.0,"p99Ms":1.0,
           "rewards":10,"meanReward":2.33,"interval":[0.8976775,3.7623225],
           "vsControl":{"difference":1.58,"interval":[-0.2054832,3.3654832],"relativeDifference":2.1066666666666665,
             "statistic":1.8608,"degreesOfFreedom":17.776,"pValue":0.07939,"significant":false,
             "errorRateDifference":0.0,"p99Ratio":1.0}},
          {"version":3,"percent":30,"control":false,"requests":0,"errors":0,"errorRate":0.0,"p50Ms":0.0,"p99Ms":0.0,
           "rewards":0,"meanReward":null,"interval":null,
           "vsControl":{"difference":null,"interval":null,"relativeDifference":null,"statistic":null,
             "degreesOfFreedom":null,"pValue":null,"significant":false,"errorRateDifference":0.0,"p99Ratio":null}}]}
        """));
    assertEquals("  A/B report: Welch's t-test, 95 % intervals, control v1", lines.get(0));
    assertTrue(lines.get(1).contains("MEAN REWARD"), lines.get(1));
    assertTrue(lines.get(2).contains("0.750 [-0.530, 2.030]"), lines.get(2));
    assertTrue(lines.get(3).contains("2.330 [0.898, 3.762]") && lines.get(3).contains("+1.580 [-0.205, +3.365] (+210.7 %)")
        && lines.get(3).contains(" 0.0794 "), lines.get(3));
    assertTrue(lines.get(4).matches("    v3 +30 % +0 +- +- +- +0 +0\\.0 % +0\\.0 ms +0\\.0 ms"), lines.get(4));
    assertEquals("  no arm differs from v1 significantly at 95 % yet (2 comparisons: for 95 % over all of them, read * as"
        + " p < 0.0250)", lines.get(5));
  }

  @Test
  void anAbReportBeforeTheFirstReward() throws Exception {
    List<String> lines = Render.abReport(json("""
        {"control":1,"test":null,"confidence":0.95,"winner":null,"arms":[
          {"version":1,"percent":50,"control":true,"requests":3,"errors":0,"errorRate":0.0,"p50Ms":1.0,"p99Ms":1.0,
           "rewards":0,"meanReward":null,"interval":null}]}
        """));
    assertEquals("  A/B report: no rewards yet, 95 % intervals, control v1", lines.get(0));
    assertEquals("  no rewards yet: clients post them to /v1/feedback with the Turnout-Request-Id", lines.get(lines.size() - 1));
  }

  @Test
  void shadowAgreementPerCandidate() throws Exception {
    List<String> lines = Render.analysis(json("""
        {"model":"iris","shadow":{"mirrorPercent":100,"stableVersion":1,"stableRequests":1000,"stableP99Ms":2.0,
          "candidates":[
            {"version":2,"mirrored":500,"dropped":7,"errors":5,"errorRate":0.01,"compared":495,"classified":495,
             "agreed":465,"agreement":0.9393939393939394,"agreementInterval":[0.9149,0.9570],"meanAbsDiff":0.01,
             "maxAbsDiff":0.6,"p99Ms":3.0,"p99Ratio":1.5},
            {"version":3,"mirrored":20,"dropped":0,"errors":0,"errorRate":0.0,"compared":20,"classified":0,"agreed":0,
             "agreement":null,"agreementInterval":null,"meanAbsDiff":0.25,"maxAbsDiff":1.5,"p99Ms":2.1,"p99Ratio":1.05},
            {"version":4,"mirrored":0,"dropped":3,"errors":0,"errorRate":0.0,"compared":0,"classified":0,"agreed":0,
             "agreement":null,"agreementInterval":null,"meanAbsDiff":0.0,"maxAbsDiff":0.0,"p99Ms":0.0,"p99Ratio":null}]}}
        """));
    assertEquals(List.of(
        "  shadow: mirroring 100 % of v1's requests (1000 since the phase began, p99 2.0 ms)",
        "    v2: agreement 93.9 % [91.5–95.7 %] of 495 classified · |diff| mean 0.010 max 0.600 · p99 3.0 ms (1.50x)"
            + " · errors 1.0 % of 500 · dropped 7",
        "    v3: 20 compared (outputs are not classes) · |diff| mean 0.250 max 1.500 · p99 2.1 ms (1.05x)"
            + " · errors 0.0 % of 20 · dropped 0",
        "    v4: nothing compared yet (0 mirrored, 0 failed, 3 dropped)"), lines);
  }

  @Test
  void banditAllocationAsBars() throws Exception {
    List<String> lines = Render.analysis(json("""
        {"model":"iris","bandit":{"policy":"thompson","revision":12,"arms":[
          {"version":1,"allocationPercent":12.5,"requests":300,"rewards":250,"meanReward":0.8,"interval":[0.746,0.845]},
          {"version":2,"allocationPercent":87.5,"requests":900,"rewards":1,"meanReward":1.0,"interval":[0.2065,1.0]},
          {"version":3,"allocationPercent":0,"requests":0,"rewards":0,"meanReward":null,"interval":null}]}}
        """));
    assertEquals(List.of(
        "  bandit (thompson), allocation of routing revision 12:",
        "    v1  ###-----------------  12.5 %  300 requests  250 rewards, mean 0.800 [0.746, 0.845]",
        "    v2  ##################--  87.5 %  900 requests  1 reward, mean 1.000 [0.207, 1.000]",
        "    v3  --------------------  0 %     0 requests    0 rewards"), lines);
  }

  @Test
  void statusWithNoRollout() throws Exception {
    assertEquals("iris: stable none, no rollout in progress\n", Render.status(json(
        "{\"model\":\"iris\",\"stableVersion\":null,\"state\":\"idle\",\"rollout\":null,\"routing\":null,"
            + "\"desiredReplicas\":{},\"readyReplicas\":{},\"lastDecision\":\"\",\"sinceStep\":{}}")));
  }

  @Test
  void progressBarOfTheCurrentPhase() throws Exception {
    assertEquals("v2 [##########----------] phase 1/2 canary, step 2/4 (25 %), BAKING since "
        + time("2025-01-01T10:00:40Z"), Render.progressBar(json(STATUS), 20));
  }

  @Test
  void versionsAsATable() throws Exception {
    String text = Render.versions(json("""
        {"model":"iris","versions":[
          {"version":1,"artifact":"file:/m/iris/1","state":"AVAILABLE","failure":null,
           "replicas":{"registered":2,"wanted":2,"ready":2},"weightPercent":75},
          {"version":3,"artifact":"file:/m/iris/3","state":"FAILED","failure":"no saved_model.pb",
           "replicas":{"registered":1,"wanted":1,"ready":0},"weightPercent":null}],"routing":null}
        """));
    assertEquals("""
        VERSION  STATE      READY/WANTED  WEIGHT  ARTIFACT
        1        AVAILABLE  2/2           75 %    file:/m/iris/1
        3        FAILED     0/1           -       file:/m/iris/3
        version 3 failed: no saved_model.pb
        """, text);
  }

  @Test
  void historyAndEventLines() throws Exception {
    JsonNode entry = json("{\"sequence\":12,\"at\":\"2025-01-01T10:00:00Z\",\"event\":\"Promoted\",\"by\":\"gate\","
        + "\"detail\":\"version 2 is stable: all steps passed\"}");
    assertEquals(time("2025-01-01T10:00:00Z") + " Promoted by gate: version 2 is stable: all steps passed",
        Render.eventLine(entry));
    assertTrue(Render.historyLine(entry).matches(" +12  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  Promoted +gate +version 2.*"),
        Render.historyLine(entry));
  }

  @Test
  void registration() throws Exception {
    assertEquals("registered iris@3 from file:/m/iris/3 with 2 replicas", Render.registered(json(
        "{\"model\":\"iris\",\"version\":3,\"artifact\":\"file:/m/iris/3\",\"replicas\":2,\"created\":true}")));
  }

  @Test
  void clusterMembers() throws Exception {
    assertEquals("""
        ADDRESS                                     STATUS  REACHABLE  ROLES
        pekko://turnout@10.0.0.1:25520 (this node)  Up      yes        dc-default
        pekko://turnout@10.0.0.2:25520              Up      NO         dc-default
        """, Render.cluster(json("""
        {"self":"pekko://turnout@10.0.0.1:25520","leader":null,"members":[
          {"address":"pekko://turnout@10.0.0.1:25520","status":"Up","roles":["dc-default"],"reachable":true},
          {"address":"pekko://turnout@10.0.0.2:25520","status":"Up","roles":["dc-default"],"reachable":false}]}
        """)));
  }
}

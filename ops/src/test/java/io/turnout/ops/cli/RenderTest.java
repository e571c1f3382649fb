package io.turnout.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
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

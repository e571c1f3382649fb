package io.turnout.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.testkit.InMemoryRegistry;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.ops.cli.Turnoutctl;
import io.turnout.ops.models.IrisData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API on a real node: a bearer token, the in-memory journal, and a registry in memory
 * over the test models. Each rollout test uses a model of its own (links to iris).
 */
class AdminApiTest {
  static final String TOKEN = "test-admin-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static TestNode node;
  static Path models;

  @BeforeAll
  static void startNode(@TempDir Path dir) throws IOException {
    models = TestModels.rootWith(dir.resolve("models"), "iris", "broken");
    for (String copy : List.of("flow", "auto", "events", "cli", "abcli")) {
      Files.createSymbolicLink(models.resolve(copy), TestModels.root().resolve("iris"));
    }
    node = TestNode.start(models, """
        turnout.admin.token = "%s"
        turnout.admin.events.poll-interval = 100ms
        turnout.admin.events.keep-alive = 1s
        turnout.rollout.evaluation-interval = 200ms
        turnout.serving.keep-alive-interval = 300ms
        pekko.persistence.journal.plugin = "pekko.persistence.journal.inmem"
        pekko.persistence.snapshot-store.plugin = "pekko.persistence.snapshot-store.local"
        pekko.persistence.snapshot-store.local.dir = "%s"
        """.formatted(TOKEN, dir.resolve("snapshots")), InMemoryRegistry::forNode);
    for (String model : List.of("iris", "flow", "auto", "events", "cli", "abcli")) node.awaitAvailable(model, 1, 2);
  }

  @AfterAll
  static void stopNode() {
    if (node != null) node.close();
  }

  // ---- a small client ----

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(node.adminUri(path)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + TOKEN);
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static HttpResponse<String> get(String path) {
    return send(request(path).GET().build());
  }

  static HttpResponse<String> post(String path, String body) {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static HttpResponse<String> postAs(String user, String path, String body) {
    return send(request(path).header("X-Turnout-User", user).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static HttpResponse<String> put(String path, String body) {
    return send(request(path).PUT(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  static JsonNode ok(int status, HttpResponse<String> response) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
    return json(response);
  }

  /** Asserts an RFC 9457 problem with {@code status} whose detail contains {@code detail}. */
  static JsonNode problem(int status, String detail, HttpResponse<String> response) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
    JsonNode problem = json(response);
    assertEquals(status, problem.get("status").asInt());
    assertTrue(problem.get("type").asText().startsWith("urn:turnout:problem:"), response.body());
    assertFalse(problem.get("title").asText().isEmpty());
    assertEquals(response.uri().getPath(), problem.get("instance").asText());
    assertTrue(problem.get("detail").asText().contains(detail),
        "detail '" + problem.get("detail").asText() + "' should contain '" + detail + "'");
    return problem;
  }

  static JsonNode await(String path, Predicate<JsonNode> condition, Duration timeout) {
    return json(TestNode.await("GET " + path, () -> get(path),
        response -> response.statusCode() == 200 && condition.test(json(response)), timeout));
  }


  static String canary(long target, String steps, String bake) {
    return """
        {"targetVersion": %d, "stickyHeader": "X-User-Id", "phases": [
          {"kind": "canary", "steps": [%s], "bakeTime": "%s", "gate": {"minSamples": 0}}]}
        """.formatted(target, steps, bake);
  }

  static long lastSequence(String model) {
    return ok(200, get("/admin/models/" + model + "/rollout/history?limit=1")).get("lastSequence").asLong();
  }

  @Nested
  class Authentication {
    @Test
    void aRequestWithoutTokenIsRefusedWithABearerChallenge() {
      HttpResponse<String> response = send(HttpRequest.newBuilder(node.adminUri("/admin/models")).GET().build());
      problem(401, "Authorization: Bearer", response);
      assertEquals("Bearer realm=\"turnout-admin\"", response.headers().firstValue("WWW-Authenticate").orElse(""));
    }

    @Test
    void aWrongTokenIsRefused() {
      HttpResponse<String> response = send(HttpRequest.newBuilder(node.adminUri("/admin/models"))
          .header("Authorization", "Bearer " + TOKEN + "x").GET().build());
      problem(401, "not the admin token", response);
      assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").contains("error=\"invalid_token\""));
    }

    @Test
    void unknownPathsAreRefusedBeforeTheyAreLookedUp() {
      problem(401, "Bearer", send(HttpRequest.newBuilder(node.adminUri("/admin/secrets")).GET().build()));
      problem(401, "Bearer", send(HttpRequest.newBuilder(node.adminUri("/admin/models/iris/rollouts"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build()));
    }
  }

  @Nested
  class ModelsAndVersions {
    @Test
    void listsModelsWithTheirVersionsStateAndReplicas() {
      JsonNode models = ok(200, get("/admin/models")).get("models");
      JsonNode iris = null;
      for (JsonNode model : models) if (model.get("model").asText().equals("iris")) iris = model;
      assertNotNull(iris, models.toString());
      assertEquals(2, iris.get("versions").size());
      assertEquals("AVAILABLE", iris.at("/versions/0/state").asText());
      assertEquals(1, iris.at("/versions/0/replicas/ready").asInt());
      assertEquals(1, iris.at("/versions/0/replicas/wanted").asInt());
    }

    @Test
    void showsAVersionThatFailedToLoadWithItsReason() {
      JsonNode broken = await("/admin/models/broken", m -> m.at("/versions/0/state").asText().equals("FAILED"),
          Duration.ofSeconds(30));
      assertFalse(broken.at("/versions/0/failure").asText().isBlank());
      ok(200, get("/admin/models/broken/versions/1"));
    }

    @Test
    void unknownModelsAndVersionsAreNotFound() {
      problem(404, "model 'nope' not found", get("/admin/models/nope"));
      problem(404, "version 7 of model 'iris' not found", get("/admin/models/iris/versions/7"));
      problem(404, "model 'nope' not found", get("/admin/models/nope/rollout"));
      problem(404, "no admin endpoint at /admin/nothing-here", get("/admin/nothing-here"));
    }

    @Test
    void registersAVersionOnceAndRefusesAnotherArtifactForIt() {
      String artifact = TestModels.root().resolve("iris/2").toUri().toString();
      HttpResponse<String> created = put("/admin/models/fresh/versions/5", "{\"artifact\": \"" + artifact + "\", \"replicas\": 2}");
      JsonNode body = ok(201, created);
      assertTrue(body.get("created").asBoolean());
      assertEquals(2, body.get("replicas").asInt());
      assertEquals("/admin/models/fresh/versions/5", created.headers().firstValue("Location").orElse(""));

      JsonNode again = ok(200, put("/admin/models/fresh/versions/5", "{\"artifact\": \"" + artifact + "\", \"replicas\": 2}"));
      assertFalse(again.get("created").asBoolean());

      String other = TestModels.root().resolve("iris/1").toUri().toString();
      problem(409, "refusing to register it again", put("/admin/models/fresh/versions/5", "{\"artifact\": \"" + other + "\"}"));

      JsonNode fresh = await("/admin/models/fresh", m -> m.at("/versions/0/state").asText().equals("AVAILABLE"),
          Duration.ofSeconds(60));
      assertEquals(5, fresh.at("/versions/0/version").asLong());
      assertEquals(2, fresh.at("/versions/0/replicas/wanted").asInt());
    }

    @Test
    void refusesRegistrationsThatMakeNoSense() {
      String artifact = TestModels.root().resolve("iris/2").toUri().toString();
      problem(422, "file: URI", put("/admin/models/fresh2/versions/1", "{\"artifact\": \"s3://bucket/iris/2\"}"));
      problem(422, "replicas must be a whole number from 1", put("/admin/models/fresh2/versions/1",
          "{\"artifact\": \"" + artifact + "\", \"replicas\": 0}"));
      problem(422, "is not a folder on this node", put("/admin/models/fresh2/versions/1",
          "{\"artifact\": \"file:///no/such/folder\"}"));
      problem(422, "'abc' is not a version", put("/admin/models/fresh2/versions/abc", "{\"artifact\": \"" + artifact + "\"}"));
      problem(422, "is not a model name", put("/admin/models/-bad/versions/1", "{\"artifact\": \"" + artifact + "\"}"));
      problem(400, "invalid JSON", put("/admin/models/fresh2/versions/1", "{\"artifact\": "));
      problem(404, "model 'fresh2' not found", get("/admin/models/fresh2"));
    }

    @Test
    void listsTheClusterMembers() {
      JsonNode cluster = ok(200, get("/admin/cluster"));
      assertEquals(1, cluster.get("members").size());
      assertEquals(cluster.get("self").asText(), cluster.at("/members/0/address").asText());
      assertEquals("Up", cluster.at("/members/0/status").asText());
      assertTrue(cluster.at("/members/0/reachable").asBoolean());
    }
  }

  @Nested
  class PlansThatAreRefused {
    @Test
    void malformedJsonIsABadRequest() {
      problem(400, "invalid JSON", post("/admin/models/iris/rollouts", "{\"targetVersion\": 2,"));
    }

    @Test
    void anInvalidPlanNamesTheField() {
      JsonNode problem = problem(422, "unknown kind \"mirror\"", post("/admin/models/iris/rollouts",
          "{\"targetVersion\": 2, \"phases\": [{\"kind\": \"mirror\"}]}"));
      assertEquals("/phases/0/kind", problem.get("pointer").asText());
      JsonNode shadow = problem(422, "phase 1 (shadow) needs 'mirror'", post("/admin/models/iris/rollouts",
          "{\"targetVersion\": 2, \"phases\": [{\"kind\": \"shadow\", \"duration\": \"1m\"}]}"));
      assertEquals("/phases/0/mirror", shadow.get("pointer").asText());
      problem(422, "weights must add up to 100 %, not 90 %", post("/admin/models/iris/rollouts",
          "{\"targetVersion\": 2, \"phases\": [{\"kind\": \"ab\", \"arms\": {\"1\": 45, \"2\": 45}}]}"));
    }

    @Test
    void anUnregisteredTargetOrArmIsRefused() {
      problem(422, "version 9 of model 'iris' is not registered (registered: 1, 2)",
          post("/admin/models/iris/rollouts", canary(9, "100", "0s")));
      problem(422, "names version 3, which is not registered", post("/admin/models/iris/rollouts",
          "{\"targetVersion\": 2, \"phases\": [{\"kind\": \"ab\", \"arms\": {\"1\": 50, \"3\": 50}}]}"));
    }

    @Test
    void aTargetThatFailedToLoadIsRefusedWithTheReason() {
      String good = TestModels.root().resolve("iris/1").toUri().toString();
      String bad = TestModels.root().resolve("broken/1").toUri().toString();
      ok(201, put("/admin/models/mixed/versions/1", "{\"artifact\": \"" + good + "\"}"));
      ok(201, put("/admin/models/mixed/versions/2", "{\"artifact\": \"" + bad + "\"}"));
      JsonNode mixed = await("/admin/models/mixed", m -> m.at("/versions/1/state").asText().equals("FAILED"),
          Duration.ofSeconds(60));
      String reason = mixed.at("/versions/1/failure").asText();
      problem(422, "target version 2 of model 'mixed' failed to load: " + reason,
          post("/admin/models/mixed/rollouts", canary(2, "100", "0s")));
    }

    @Test
    void anUnknownModelIsNotFound() {
      problem(404, "model 'nope' not found", post("/admin/models/nope/rollouts", canary(2, "100", "0s")));
    }
  }

  @Test
  void aRolloutRoundTrip() {
    String base = "/admin/models/flow";
    HttpResponse<String> started = postAs("alice", base + "/rollouts", canary(2, "5, 50, 100", "1h"));
    JsonNode status = ok(201, started);
    assertEquals(base + "/rollout", started.headers().firstValue("Location").orElse(""));
    assertEquals("rolling", status.get("state").asText());
    assertEquals(1, status.get("stableVersion").asLong());
    assertEquals(2, status.at("/rollout/targetVersion").asLong());
    assertEquals("canary", status.at("/rollout/phase/kind").asText());
    assertEquals("1/1", status.at("/rollout/phase/index").asInt() + "/" + status.at("/rollout/phase/count").asInt());
    assertEquals("1/3", status.at("/rollout/step/index").asInt() + "/" + status.at("/rollout/step/count").asInt());
    assertEquals(5, status.at("/rollout/step/targetPercent").asInt());
    assertEquals("alice", status.at("/rollout/startedBy").asText());
    assertEquals("X-User-Id", status.at("/rollout/plan/stickyHeader").asText());

    long before = lastSequence("flow");
    problem(409, "is in progress", post(base + "/rollouts", canary(2, "100", "0s")));
    assertEquals(before, lastSequence("flow"), "a refused command changes nothing");

    JsonNode current = ok(200, get(base + "/rollout"));
    assertEquals("rolling", current.get("state").asText());
    assertTrue(current.has("desiredReplicas") && current.has("readyReplicas") && current.has("sinceStep"));

    assertEquals("paused", ok(200, post(base + "/rollout/pause", "")).get("state").asText());
    problem(409, "already paused", post(base + "/rollout/pause", ""));
    assertEquals("rolling", ok(200, post(base + "/rollout/resume", "")).get("state").asText());
    problem(409, "not paused", post(base + "/rollout/resume", ""));

    JsonNode weighted = ok(200, put(base + "/rollout/weights", "{\"weights\": {\"1\": 70, \"2\": 30}}"));
    assertEquals("paused", weighted.get("state").asText(), "weights set by hand pause the rollout");
    assertEquals("[{\"version\":2,\"percent\":30},{\"version\":1,\"percent\":70}]",
        weighted.at("/routing/weights").toString());
    before = lastSequence("flow");
    problem(422, "weights must add up to 100 %, not 90 %", put(base + "/rollout/weights", "{\"weights\": {\"1\": 60, \"2\": 30}}"));
    problem(422, "version 3 is not in this rollout", put(base + "/rollout/weights", "{\"weights\": {\"1\": 70, \"3\": 30}}"));
    problem(404, "no rollout command 'jump'", post(base + "/rollout/jump", ""));
    problem(405, "", get(base + "/rollout/pause"));
    assertEquals(before, lastSequence("flow"), "refused commands change nothing");

    JsonNode promoted = ok(200, postAs("bob", base + "/rollout/promote", ""));
    assertEquals("idle", promoted.get("state").asText());
    assertEquals(2, promoted.get("stableVersion").asLong());
    problem(409, "no rollout is in progress", post(base + "/rollout/promote", ""));
    problem(409, "no rollout is in progress", post(base + "/rollout/abort", ""));

    ok(201, post(base + "/rollouts", canary(1, "50, 100", "1h")));
    JsonNode aborted = ok(200, post(base + "/rollout/abort", "{\"reason\": \"p99 looks wrong\"}"));
    assertEquals("idle", aborted.get("state").asText());
    assertEquals(2, aborted.get("stableVersion").asLong());
    problem(422, "reason must be a string", post(base + "/rollout/abort", "{\"reason\": 5}"));

    JsonNode firstPage = ok(200, get(base + "/rollout/history?limit=3"));
    assertEquals(3, firstPage.get("entries").size());
    assertEquals(3, firstPage.get("next").asLong());
    assertTrue(firstPage.get("more").asBoolean());
    assertEquals("RolloutStarted", firstPage.at("/entries/0/event").asText());
    assertEquals("alice", firstPage.at("/entries/0/by").asText());
    List<String> events = new ArrayList<>();
    List<String> actors = new ArrayList<>();
    long after = 0;
    JsonNode page;
    do {
      page = ok(200, get(base + "/rollout/history?after=" + after + "&limit=4"));
      page.get("entries").forEach(entry -> {
        events.add(entry.get("event").asText());
        actors.add(entry.get("by").asText());
      });
      after = page.get("next").asLong();
    } while (page.get("more").asBoolean());
    // Tables written because ready replica counts changed may come between: compare the other events.
    assertEquals(List.of("RolloutStarted", "PhaseEntered", "Paused", "Resumed", "Paused", "Promoted", "RolloutStarted",
        "PhaseEntered", "Aborted"), events.stream().filter(e -> !e.equals("WeightsChanged")).toList());
    assertTrue(events.stream().filter(e -> e.equals("WeightsChanged")).count() >= 5, events.toString());
    assertTrue(actors.contains("bob"), actors.toString());
    assertTrue(actors.contains("admin"), actors.toString());
    problem(400, "limit must be a whole number from 1 to 1000", get(base + "/rollout/history?limit=0"));
    problem(400, "after must be a history sequence number", get(base + "/rollout/history?after=-1"));
  }

  @Test
  void aOneStepCanaryPromotesItself() {
    ok(201, post("/admin/models/auto/rollouts", canary(2, "100", "0s")));
    JsonNode status = await("/admin/models/auto/rollout", s -> s.get("state").asText().equals("idle"),
        Duration.ofSeconds(20));
    assertEquals(2, status.get("stableVersion").asLong());
    JsonNode history = ok(200, get("/admin/models/auto/rollout/history"));
    JsonNode last = null;
    for (JsonNode entry : history.get("entries")) if (entry.get("event").asText().equals("Promoted")) last = entry;
    assertNotNull(last, history.toString());
    assertEquals("gate", last.get("by").asText());
  }

  @Test
  void eventsStreamTheHistoryAsServerSentEvents() throws Exception {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    HttpResponse<Stream<String>> stream = HTTP.send(request("/admin/models/events/rollout/events").GET().build(),
        HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, stream.statusCode());
    assertEquals("text/event-stream", stream.headers().firstValue("Content-Type").orElse(""));
    Thread reader = new Thread(() -> {
      try {
        stream.body().forEach(lines::add);
      } catch (RuntimeException closed) {
        // the test closed the stream
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      assertEquals(": keep-alive", awaitLine(lines, line -> line.startsWith(":"), Duration.ofSeconds(5)),
          "an idle stream carries comments");

      ok(201, post("/admin/models/events/rollouts", canary(2, "100", "0s")));
      List<String> seen = new ArrayList<>();
      String promoted = awaitLine(lines, line -> {
        seen.add(line);
        return line.equals("event: Promoted");
      }, Duration.ofSeconds(20));
      assertNotNull(promoted);
      assertEquals("id: 1", seen.stream().filter(l -> l.startsWith("id: ")).findFirst().orElse(""));
      assertTrue(seen.contains("event: RolloutStarted"), seen.toString());
      String data = awaitLine(lines, line -> line.startsWith("data: "), Duration.ofSeconds(5));
      JsonNode entry = JSON.readTree(data.substring("data: ".length()));
      assertEquals("Promoted", entry.get("event").asText());
      assertEquals("gate", entry.get("by").asText());
    } finally {
      stream.body().close();
    }

    // A client that reconnects with Last-Event-ID gets only what followed.
    HttpResponse<Stream<String>> resumed = HTTP.send(request("/admin/models/events/rollout/events")
        .header("Last-Event-ID", "2").GET().build(), HttpResponse.BodyHandlers.ofLines());
    try {
      String firstId = resumed.body().filter(line -> line.startsWith("id: ")).findFirst().orElse("");
      assertEquals("id: 3", firstId);
    } finally {
      resumed.body().close();
    }
    problem(400, "Last-Event-ID must be a history sequence number", send(request("/admin/models/events/rollout/events")
        .header("Last-Event-ID", "x").GET().build()));
  }

  record Cli(int code, String out, String err) {}

  static Cli turnoutctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 6];
    System.arraycopy(new String[] {"--url", node.adminUri("").toString(), "--token", TOKEN, "--user", "carol"}, 0, all, 0, 6);
    System.arraycopy(args, 0, all, 6, args.length);
    int code = Turnoutctl.run(all, new PrintWriter(out), new PrintWriter(err), false);
    return new Cli(code, out.toString(), err.toString());
  }

  @Test
  void turnoutctlDrivesRolloutsEndToEnd() throws Exception {
    Cli list = turnoutctl("versions", "list", "cli");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().contains("AVAILABLE"), list.out());

    Cli refused = turnoutctl("rollout", "start", "cli", "--target", "9", "--canary", "100", "--bake", "0s");
    assertEquals(2, refused.code());
    assertTrue(refused.err().contains("version 9 of model 'cli' is not registered"), refused.err());
    assertEquals(4, turnoutctl("--token", "wrong", "cluster").code());

    Cli started = turnoutctl("rollout", "start", "cli", "--target", "2", "--canary", "50,100", "--bake", "1s",
        "--min-samples", "0");
    assertEquals(0, started.code(), started.err());
    Cli watched = turnoutctl("rollout", "watch", "cli");
    assertEquals(0, watched.code(), watched.out() + watched.err());
    assertTrue(watched.out().contains("Promoted by gate"), watched.out());

    assertEquals(0, turnoutctl("rollout", "start", "cli", "--target", "1", "--canary", "50,100", "--bake", "1h").code());
    CompletableFuture<Cli> watching = CompletableFuture.supplyAsync(() -> turnoutctl("rollout", "watch", "cli"));
    Thread.sleep(1000);
    Cli aborted = turnoutctl("abort", "cli", "--reason", "checking the CLI");
    assertEquals(0, aborted.code(), aborted.err());
    Cli watchedAbort = watching.get(30, TimeUnit.SECONDS);
    assertEquals(3, watchedAbort.code(), watchedAbort.out() + watchedAbort.err());
    assertTrue(watchedAbort.out().contains("Aborted by carol: back to version 2: checking the CLI"), watchedAbort.out());

    Cli history = turnoutctl("history", "cli", "--limit", "50");
    assertEquals(0, history.code());
    assertTrue(history.out().contains("RolloutStarted") && history.out().contains("carol"), history.out());
  }

  /**
   * An A/B test between Iris v1 (about 84 % accurate as served) and v2 (about 98.7 %), driven the
   * way a client would: a user per request, reward 1 posted to /v1/feedback when the predicted class
   * is the row's true label. The report then shows each version's accuracy as its conversion, and
   * the difference as significant; turnoutctl prints the same report.
   */
  @Test
  void anAbTestsReportFromTheNodeThroughTurnoutctl() throws Exception {
    // The gate only guards against an arm that errors or slows down; on a busy machine latency is
    // not what this test is about.
    Cli started = turnoutctl("rollout", "start", "abcli", "--target", "2", "--ab", "1=50,2=50",
        "--sticky-header", "X-User-Id", "--max-p99-ratio", "50");
    assertEquals(0, started.code(), started.err());
    await("/admin/models/abcli/rollout", s -> s.at("/routing/weights/1/percent").asInt() == 50, Duration.ofSeconds(30));
    IrisData iris = IrisData.load();
    int requests = 800;
    for (int i = 0; i < requests; i++) {
      int row = i % iris.size();
      float[] x = iris.features()[row];
      HttpResponse<String> reply = send(HttpRequest.newBuilder(node.uri("/v1/models/abcli:predict"))
          .header("X-User-Id", "user-" + i)
          .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[" + x[0] + "," + x[1] + "," + x[2] + "," + x[3] + "]]}"))
          .build());
      assertEquals(200, reply.statusCode(), reply.body());
      JsonNode scores = json(reply).at("/predictions/0");
      int predicted = 0;
      for (int c = 1; c < scores.size(); c++) if (scores.get(c).asDouble() > scores.get(predicted).asDouble()) predicted = c;
      String id = reply.headers().firstValue("Turnout-Request-Id").orElseThrow();
      HttpResponse<String> feedback = send(HttpRequest.newBuilder(node.uri("/v1/feedback"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"request_id\": \"" + id + "\", \"reward\": "
              + (predicted == iris.labels()[row] ? 1 : 0) + "}"))
          .build());
      assertEquals(200, feedback.statusCode(), feedback.body());
    }
    // The edges report every second; the report is complete once every reward has arrived.
    JsonNode report = await("/admin/models/abcli/rollout",
        s -> s.at("/report/arms/0/rewards").asLong() + s.at("/report/arms/1/rewards").asLong() == requests,
        Duration.ofSeconds(30)).get("report");
    assertEquals(1, report.get("control").asLong());
    assertEquals("two-proportion z-test", report.get("test").asText());
    JsonNode v1 = report.at("/arms/0");
    JsonNode v2 = report.at("/arms/1");
    assertTrue(v1.get("rewards").asLong() > 300 && v2.get("rewards").asLong() > 300, report.toString());
    assertEquals(v1.get("rewards").asLong(), v1.get("requests").asLong(), "every prediction was rewarded once");
    assertTrue(v1.get("meanReward").asDouble() > 0.7 && v1.get("meanReward").asDouble() < 0.92, report.toString());
    assertTrue(v2.get("meanReward").asDouble() > 0.95, report.toString());
    assertTrue(v2.at("/vsControl/pValue").asDouble() < 1e-6 && v2.at("/vsControl/significant").asBoolean(), report.toString());
    assertEquals(2, report.get("winner").asLong());

    Cli shown = turnoutctl("rollout", "status", "abcli");
    assertEquals(0, shown.code(), shown.err());
    System.out.println(shown.out());
    assertTrue(shown.out().contains("  A/B report: two-proportion z-test, 95 % intervals, control v1\n"), shown.out());
    assertTrue(shown.out().contains("  * v2 beats v1: +"), shown.out());
    assertEquals(0, turnoutctl("abort", "abcli").code());
  }

  static String awaitLine(BlockingQueue<String> lines, Predicate<String> wanted, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && wanted.test(line)) return line;
    }
    throw new AssertionError("no such line within " + timeout);
  }
}

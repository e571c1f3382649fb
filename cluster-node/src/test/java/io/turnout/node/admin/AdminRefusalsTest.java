package io.turnout.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.testkit.InMemoryRegistry;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes whose admin API must refuse: one without a token, one whose coordinators have no journal. */
class AdminRefusalsTest {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final ObjectMapper JSON = new ObjectMapper();

  static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode problem(int status, HttpResponse<String> response) throws IOException {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
    return JSON.readTree(response.body());
  }

  @Test
  void withoutAConfiguredTokenEveryRequestIsRefused(@TempDir Path dir) throws Exception {
    try (TestNode node = TestNode.start(dir, "turnout.admin.token = \"\"")) {
      HttpRequest anonymous = HttpRequest.newBuilder(node.adminUri("/admin/cluster")).GET().build();
      HttpResponse<String> response = awaitListening(anonymous);
      JsonNode problem = problem(401, response);
      assertTrue(problem.get("detail").asText().contains("no admin token configured"), problem.toString());
      assertEquals("Bearer realm=\"turnout-admin\"", response.headers().firstValue("WWW-Authenticate").orElse(""));
      // Not even an empty bearer token gets in.
      problem(401, send(HttpRequest.newBuilder(node.adminUri("/admin/cluster")).header("Authorization", "Bearer ")
          .GET().build()));
    }
  }

  @Test
  void aCoordinatorThatCannotAnswerIsServiceUnavailable(@TempDir Path dir) throws Exception {
    // No journal configured (as in main configuration before Cassandra): coordinators cannot start.
    Path root = TestModels.rootWith(dir.resolve("models"), "iris");
    try (TestNode node = TestNode.start(root, """
        turnout.admin.token = "token-for-unavailable-test"
        turnout.admin.ask-timeout = 1s
        """, InMemoryRegistry::forNode)) {
      HttpRequest status = HttpRequest.newBuilder(node.adminUri("/admin/models/iris/rollout"))
          .header("Authorization", "Bearer token-for-unavailable-test").GET().build();
      HttpResponse<String> response = awaitListening(status);
      for (Instant deadline = Instant.now().plusSeconds(30); response.statusCode() == 404 && Instant.now().isBefore(deadline); ) {
        Thread.sleep(100); // until the registry's first scan shows the model
        response = send(status);
      }
      JsonNode problem = problem(503, response);
      assertTrue(problem.get("detail").asText().contains("did not answer within 1000 ms"), problem.toString());
      assertEquals("urn:turnout:problem:unavailable", problem.get("type").asText());

      HttpResponse<String> pause = send(HttpRequest.newBuilder(node.adminUri("/admin/models/iris/rollout/pause"))
          .header("Authorization", "Bearer token-for-unavailable-test").POST(HttpRequest.BodyPublishers.noBody()).build());
      problem(503, pause);
    }
  }

  static HttpResponse<String> awaitListening(HttpRequest request) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(30);
    while (true) {
      try {
        return send(request);
      } catch (IOException notYet) {
        if (Instant.now().isAfter(deadline)) throw new AssertionError("the admin port never answered", notYet);
        Thread.sleep(50);
      }
    }
  }
}

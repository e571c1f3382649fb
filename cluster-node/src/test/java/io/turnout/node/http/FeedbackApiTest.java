package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.feedback.RequestIdSigner;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.protocol.ModelVersionId;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code POST /v1/feedback} on a real node: ids from real prediction replies, every kind of refusal. */
class FeedbackApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "feedback-api-test-secret";
  private static final int MAX_BATCH = 10;
  private static final String ROW = "{\"instances\": [[5.1,3.5,1.4,0.2]]}";
  private static TestNode node;

  @BeforeAll
  static void startNode(@TempDir Path dir) {
    node = TestNode.start(TestModels.rootWith(dir.resolve("models"), "iris"), """
        turnout.cluster.secret = "%s"
        turnout.feedback.max-batch = %d
        turnout.feedback.max-body = 4 KiB
        """.formatted(SECRET, MAX_BATCH));
    node.awaitAvailable("iris", 1, 2);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  /** The request id of a fresh prediction by {@code version} of iris. */
  private static String predictedId(long version) {
    HttpResponse<String> response = node.post("/v1/models/iris/versions/" + version + ":predict", ROW);
    assertEquals(200, response.statusCode(), response.body());
    return response.headers().firstValue("Turnout-Request-Id").orElseThrow();
  }

  private static HttpResponse<String> feedback(String body) {
    return node.post("/v1/feedback", body);
  }

  private static String reward(String id, String reward) {
    return "{\"request_id\": \"" + id + "\", \"reward\": " + reward + "}";
  }

  private static void assertRefused(HttpResponse<String> response, int status, String reason) {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode body = json(response);
    assertEquals("refused", body.get("outcome").asText(), response.body());
    assertEquals(reason, body.get("reason").asText(), response.body());
    assertFalse(body.get("error").asText().isBlank(), "says why: " + response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
  }

  @Test
  void aRewardForAPredictionCountsForTheVersionThatAnsweredOnce() {
    String id = predictedId(2);
    HttpResponse<String> accepted = feedback(reward(id, "1"));
    assertEquals(200, accepted.statusCode(), accepted.body());
    assertEquals(JSON.createObjectNode().put("outcome", "accepted").put("model", "iris").put("version", 2), json(accepted));

    HttpResponse<String> again = feedback(reward(id, "0"));
    assertEquals(200, again.statusCode(), again.body());
    assertEquals("duplicate", json(again).get("outcome").asText());
    assertEquals(2, json(again).get("version").asLong());
  }

  @Test
  void idsOfKServeV2RepliesAreSignedToo() {
    HttpResponse<String> inferred = node.post("/v2/models/iris/versions/1/infer",
        "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[5.1,3.5,1.4,0.2]}]}");
    assertEquals(200, inferred.statusCode(), inferred.body());
    HttpResponse<String> accepted = feedback(reward(inferred.headers().firstValue("Turnout-Request-Id").orElseThrow(), "0.25"));
    assertEquals(200, accepted.statusCode(), accepted.body());
    assertEquals(1, json(accepted).get("version").asLong());
  }

  @Test
  void aBatchAnswersEachItemInOrderWithTotals() {
    String first = predictedId(2);
    String second = predictedId(1);
    String forged = new RequestIdSigner("not the secret", Duration.ofHours(1), Duration.ZERO)
        .sign(new ModelVersionId("iris", 2), System.currentTimeMillis());
    String body = "{\"feedback\": [" + String.join(", ",
        reward(first, "1"),
        reward(second, "0"),
        reward(first, "1"),
        reward(forged, "1"),
        reward("0123456789abcdef", "1"),
        reward(predictedId(2), "\"1\""),
        reward(predictedId(2), "1e400"),
        "{\"request_id\": \"" + predictedId(2) + "\"}",
        "[1, 2]",
        "{\"request_id\": \"x\", \"reward\": 1, \"extra\": true}") + "]}";
    HttpResponse<String> response = feedback(body);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode reply = json(response);
    assertEquals(2, reply.get("accepted").asInt(), response.body());
    assertEquals(1, reply.get("duplicates").asInt(), response.body());
    assertEquals(7, reply.get("refused").asInt(), response.body());
    List<String> outcomes = new ArrayList<>();
    for (JsonNode result : reply.get("results")) {
      outcomes.add(result.get("outcome").asText() + (result.has("reason") ? ":" + result.get("reason").asText() : ""));
    }
    assertEquals(List.of("accepted", "accepted", "duplicate", "refused:bad_signature", "refused:malformed_id",
        "refused:invalid_reward", "refused:invalid_reward", "refused:invalid_reward", "refused:malformed_request",
        "refused:malformed_request"), outcomes);
    assertEquals(1, reply.get("results").get(1).get("version").asLong());
    // The refused items left their ids unused.
    assertEquals("accepted", json(feedback(reward(outcomesId(body, 5), "1"))).get("outcome").asText());
  }

  /** The request id of the {@code index}th item of a batch body written by this test. */
  private static String outcomesId(String body, int index) {
    try {
      return JSON.readTree(body).get("feedback").get(index).get("request_id").asText();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void forgedTamperedAndForeignIdsAreRefusedWith403() {
    ModelVersionId iris2 = new ModelVersionId("iris", 2);
    String forged = new RequestIdSigner("guessed secret", Duration.ofHours(1), Duration.ZERO)
        .sign(iris2, System.currentTimeMillis());
    assertRefused(feedback(reward(forged, "1")), 403, "bad_signature");

    // Claiming the reward for version 1 instead: change the version byte of a real id.
    byte[] bytes = Base64.getUrlDecoder().decode(predictedId(2));
    bytes[24] = 1;
    assertRefused(feedback(reward(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), "1")), 403,
        "bad_signature");
  }

  @Test
  void expiredAndFutureIdsAreRefusedWith403() {
    RequestIdSigner sameSecret = new RequestIdSigner(SECRET, Duration.ofDays(365), Duration.ZERO);
    ModelVersionId iris2 = new ModelVersionId("iris", 2);
    long now = System.currentTimeMillis();
    assertRefused(feedback(reward(sameSecret.sign(iris2, now - Duration.ofHours(2).toMillis()), "1")), 403, "expired");
    assertRefused(feedback(reward(sameSecret.sign(iris2, now + Duration.ofHours(2).toMillis()), "1")), 403,
        "issued_in_future");
    assertEquals(200, feedback(reward(sameSecret.sign(iris2, now - 1_000), "1")).statusCode(), "same secret, in time");
  }

  @Test
  void theIdOfAFailedPredictionIsNotSignedAndIsRefused() {
    HttpResponse<String> failed = node.post("/v1/models/iris/versions/2:predict", "{\"instances\": [[1, 2]]}");
    assertEquals(400, failed.statusCode(), failed.body());
    String id = failed.headers().firstValue("Turnout-Request-Id").orElseThrow();
    assertRefused(feedback(reward(id, "1")), 400, "malformed_id");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "not JSON                 | {\"request_id\": ",
      "empty body               | ''",
      "a list                   | [1, 2]",
      "a key twice              | {\"request_id\": \"a\", \"reward\": 1, \"reward\": 2}",
      "an unknown field         | {\"request_id\": \"a\", \"reward\": 1, \"rewards\": 2}",
      "batch with other fields  | {\"feedback\": [], \"reward\": 1}",
      "batch not a list         | {\"feedback\": {\"request_id\": \"a\", \"reward\": 1}}",
      "empty batch              | {\"feedback\": []}",
      "NaN reward               | {\"request_id\": \"a\", \"reward\": NaN}",
      "trailing content         | {\"request_id\": \"a\", \"reward\": 1} {}"})
  void unreadableBodiesAreRefusedWith400(String problem, String body) {
    assertRefused(feedback(body), 400, "malformed_request");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "reward a string    | \"1\"           | invalid_reward",
      "reward a boolean   | true            | invalid_reward",
      "reward null        | null            | invalid_reward",
      "reward infinite    | -1e999          | invalid_reward"})
  void aSingleRewardThatIsNotAFiniteNumberIsRefusedWith400(String problem, String reward, String reason) {
    assertRefused(feedback(reward(predictedId(2), reward)), 400, reason);
  }

  @Test
  void aMissingOrNonStringRequestIdIsRefusedWith400() {
    assertRefused(feedback("{\"reward\": 1}"), 400, "malformed_id");
    assertRefused(feedback("{\"request_id\": 12, \"reward\": 1}"), 400, "malformed_id");
    assertRefused(feedback(reward("", "1")), 400, "malformed_id");
  }

  @Test
  void tooManyItemsOrTooManyBytesAreRefusedWith413() {
    List<String> items = new ArrayList<>();
    for (int i = 0; i <= MAX_BATCH; i++) items.add(reward("id-" + i, "1"));
    assertRefused(feedback("{\"feedback\": [" + String.join(",", items) + "]}"), 413, "too_large");
    assertRefused(feedback(reward("x".repeat(5 * 1024), "1")), 413, "too_large");
  }

  @Test
  void otherMethodsAreNotAllowed() {
    HttpResponse<String> response = node.get("/v1/feedback");
    assertEquals(405, response.statusCode(), response.body());
    assertFalse(json(response).get("error").asText().isBlank());
  }
}

package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.ops.models.IrisData;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.ReplicaId;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TfServingApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAYLOAD_LIMIT = 64 * 1024;
  private static TestNode node;

  @BeforeAll
  static void startNode(@TempDir Path dir) {
    Path root = TestModels.rootWith(dir.resolve("models"), "iris", "types", "broken");
    node = TestNode.start(root, "turnout.serving.http.max-payload = " + PAYLOAD_LIMIT);
    node.awaitAvailable("iris", 1, 2);
    node.awaitAvailable("types", 1);
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

  private static String header(HttpResponse<String> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  @Test
  void statusListsEveryVersionOfTheModel() {
    HttpResponse<String> response = node.get("/v1/models/iris");
    assertEquals(200, response.statusCode());
    JsonNode versions = json(response).get("model_version_status");
    assertEquals(2, versions.size());
    for (JsonNode version : versions) {
      assertEquals("AVAILABLE", version.get("state").asText());
      assertEquals("OK", version.get("status").get("error_code").asText());
    }
  }

  @Test
  void aVersionThatFailedToLoadShowsWhyAndTheNodeKeepsServing() {
    HttpResponse<String> status = node.awaitGet("/v1/models/broken/versions/1",
        r -> r.body().contains("\"END\""), Duration.ofSeconds(30));
    JsonNode version = json(status).get("model_version_status").get(0);
    assertEquals("END", version.get("state").asText());
    assertFalse(version.get("status").get("error_message").asText().isBlank());

    HttpResponse<String> predict = node.post("/v1/models/broken:predict", "{\"instances\": [[1,2,3,4]]}");
    assertEquals(503, predict.statusCode());
    assertTrue(json(predict).get("error").asText().contains("no version ready"), predict.body());
    assertEquals(200, node.post("/v1/models/iris:predict", "{\"instances\": [[5.1,3.5,1.4,0.2]]}").statusCode());
  }

  @Test
  void metadataDescribesTheServingSignature() {
    HttpResponse<String> response = node.get("/v1/models/iris/versions/2/metadata");
    assertEquals(200, response.statusCode());
    JsonNode body = json(response);
    assertEquals("iris", body.get("model_spec").get("name").asText());
    assertEquals("2", body.get("model_spec").get("version").asText());
    JsonNode features = body.at("/metadata/signature_def/signature_def/serving_default/inputs/features");
    assertEquals("DT_FLOAT", features.get("dtype").asText());
    assertEquals("-1", features.at("/tensor_shape/dim/0/size").asText());
    assertEquals("4", features.at("/tensor_shape/dim/1/size").asText());
  }

  @Test
  void predictsInRowFormatWithTheLatestVersionByDefault() {
    HttpResponse<String> response = node.post("/v1/models/iris:predict",
        "{\"instances\": [[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]}");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("2", header(response, "Turnout-Model-Version"));
    // A signed id naming the version that answered (see RequestIdSignerTest), base64url.
    assertTrue(header(response, "Turnout-Request-Id").matches("[A-Za-z0-9_-]{56,}"), header(response, "Turnout-Request-Id"));
    JsonNode predictions = json(response).get("predictions");
    assertEquals(2, predictions.size());
    assertEquals(0, argmax(predictions.get(0)), "setosa");
    assertEquals(2, argmax(predictions.get(1)), "virginica");
    double sum = 0;
    for (JsonNode p : predictions.get(0)) sum += p.asDouble();
    assertEquals(1.0, sum, 1e-4);
  }

  @Test
  void predictsInColumnarFormatWithANamedVersion() {
    HttpResponse<String> response = node.post("/v1/models/iris/versions/1:predict",
        "{\"inputs\": {\"features\": [[5.9,3.0,4.2,1.5]]}}");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("1", header(response, "Turnout-Model-Version"));
    JsonNode outputs = json(response).get("outputs");
    assertEquals(1, outputs.size());
    assertEquals(3, outputs.get(0).size());
  }

  @Test
  void version2ClassifiesAtLeast95PercentOfIrisCorrectly() {
    IrisData iris = IrisData.load();
    StringBuilder body = new StringBuilder("{\"instances\": [");
    for (int i = 0; i < iris.size(); i++) {
      float[] row = iris.features()[i];
      body.append(i == 0 ? "" : ",").append('[').append(row[0]).append(',').append(row[1]).append(',')
          .append(row[2]).append(',').append(row[3]).append(']');
    }
    HttpResponse<String> response = node.post("/v1/models/iris/versions/2:predict", body.append("]}").toString());
    assertEquals(200, response.statusCode(), response.body());
    JsonNode predictions = json(response).get("predictions");
    long correct = IntStream.range(0, iris.size()).filter(i -> argmax(predictions.get(i)) == iris.labels()[i]).count();
    assertTrue(correct >= 0.95 * iris.size(), correct + " of " + iris.size() + " correct");
  }

  @Test
  void carriesEveryDatatypeAndPicksANamedSignature() {
    String instance = "{\"x_fp32\": [1.5, 2], \"x_fp64\": [0.25, 4], \"x_int32\": [1, -7], \"x_int64\": [9007199254740993, 0],"
        + " \"x_bool\": [true, false], \"x_bytes\": \"héllo\"}";
    HttpResponse<String> response = node.post("/v1/models/types:predict", "{\"instances\": [" + instance + "]}");
    assertEquals(200, response.statusCode(), response.body());
    JsonNode row = json(response).get("predictions").get(0);
    assertEquals(3.0, row.get("y_fp32").get(0).asDouble(), 1e-6);
    assertEquals(0.5, row.get("y_fp64").get(0).asDouble(), 1e-12);
    assertEquals(-6, row.get("y_int32").get(1).asInt());
    assertEquals(9007199254740994L, row.get("y_int64").get(0).asLong());
    assertFalse(row.get("y_bool").get(0).asBoolean());
    // TF Serving's convention: a string tensor whose name ends in "_bytes" travels base64-encoded.
    assertEquals(java.util.Base64.getEncoder().encodeToString("héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        row.get("y_bytes").get("b64").asText());

    HttpResponse<String> sum = node.post("/v1/models/types:predict",
        "{\"signature_name\": \"sum\", \"inputs\": {\"a\": [[1, 2, 3], [4, 5, 6]]}}");
    assertEquals(200, sum.statusCode(), sum.body());
    assertEquals(15.0, json(sum).get("outputs").get(1).asDouble(), 1e-6);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      malformed JSON                | /v1/models/iris:predict           | {"instances": [[5.1,3.5,1.4,0.2]   | 400
      both instances and inputs     | /v1/models/iris:predict           | {"instances": [[1,2,3,4]], "inputs": [[1,2,3,4]]} | 400
      neither instances nor inputs  | /v1/models/iris:predict           | {"signature_name": "serving_default"} | 400
      wrong rank                    | /v1/models/iris:predict           | {"instances": [1,2,3,4]}           | 400
      wrong shape                   | /v1/models/iris:predict           | {"instances": [[1,2,3]]}           | 400
      wrong datatype                | /v1/models/iris:predict           | {"instances": [["a","b","c","d"]]} | 400
      ragged rows                   | /v1/models/iris:predict           | {"inputs": [[1,2,3,4],[1,2,3]]}    | 400
      unknown signature             | /v1/models/iris:predict           | {"signature_name": "nope", "instances": [[1,2,3,4]]} | 400
      empty batch                   | /v1/models/iris:predict           | {"instances": []}                  | 400
      unknown input name            | /v1/models/iris:predict           | {"inputs": {"petals": [[1,2,3,4]]}} | 400
      fraction for an integer input | /v1/models/types:predict          | {"inputs": {"x_fp32": [[1,2]], "x_fp64": [[1,2]], "x_int32": [[1.5,2]], "x_int64": [[1,2]], "x_bool": [[true,false]], "x_bytes": ["a"]}} | 400
      unknown model                 | /v1/models/lilac:predict          | {"instances": [[1,2,3,4]]}         | 404
      unknown version               | /v1/models/iris/versions/9:predict | {"instances": [[1,2,3,4]]}        | 404
      unknown endpoint              | /v1/models/iris:explain           | {"instances": [[1,2,3,4]]}         | 404
      """)
  void badInputGetsAClearJsonErrorAndChangesNothing(String problem, String path, String body, int status) throws Exception {
    long callsBefore = replicaBatches("iris", 2);
    HttpResponse<String> response = node.post(path, body);
    assertEquals(status, response.statusCode(), problem + ": " + response.body());
    String error = json(response).get("error").asText();
    assertFalse(error.isBlank(), problem + " says what is wrong");
    assertTrue(response.headers().firstValue("Turnout-Request-Id").isPresent());
    // The replica is the same instance (a restarted one would count from zero) and still answers.
    assertEquals(200, node.post("/v1/models/iris/versions/2:predict", "{\"instances\": [[5.1,3.5,1.4,0.2]]}").statusCode());
    awaitTrue(() -> replicaBatches("iris", 2) > callsBefore, "the replica kept its history");
  }

  @Test
  void aPayloadOverTheLimitIsRefusedWith413() {
    StringBuilder body = new StringBuilder("{\"instances\": [");
    while (body.length() < PAYLOAD_LIMIT + 10) body.append("[5.1,3.5,1.4,0.2],");
    body.append("[5.1,3.5,1.4,0.2]]}");
    HttpResponse<String> response = node.post("/v1/models/iris:predict", body.toString());
    assertEquals(413, response.statusCode(), response.body());
    assertTrue(json(response).get("error").asText().contains("limit"), response.body());
  }

  @Test
  void theWrongMethodIsA405InJson() {
    HttpResponse<String> response = node.get("/v1/models/iris:predict");
    assertEquals(405, response.statusCode());
    assertFalse(json(response).get("error").asText().isBlank());
  }

  @Test
  void badRequestsDoNotDisturbGoodOnesRunningAtTheSameTime() {
    List<CompletableFuture<HttpResponse<String>>> good = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> bad = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      good.add(CompletableFuture.supplyAsync(() ->
          node.post("/v1/models/iris/versions/2:predict", "{\"instances\": [[6.7,3.0,5.2,2.3]]}")));
      bad.add(CompletableFuture.supplyAsync(() ->
          node.post("/v1/models/iris/versions/2:predict", "{\"instances\": [[6.7,3.0,5.2]]}")));
    }
    for (CompletableFuture<HttpResponse<String>> response : good) {
      assertEquals(200, response.join().statusCode(), response.join().body());
      assertEquals(2, argmax(json(response.join()).get("predictions").get(0)));
    }
    for (CompletableFuture<HttpResponse<String>> response : bad) assertEquals(400, response.join().statusCode());
  }

  private static long replicaBatches(String model, long version) throws Exception {
    return AskPattern.<ModelVersionReplica.Command, ModelVersionReplica.ReplicaStatus>ask(
            ClusterSharding.get(node.system()).entityRefFor(ModelVersionReplica.ENTITY_KEY,
                new ReplicaId(new ModelVersionId(model, version), 0).entityId()),
            ModelVersionReplica.GetStatus::new, Duration.ofSeconds(5), node.system().scheduler())
        .toCompletableFuture().get().batches();
  }

  interface Check {
    boolean holds() throws Exception;
  }

  /** The replica counts a batch just after answering it, so the count is awaited, not read once. */
  private static void awaitTrue(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!check.holds()) {
      if (System.nanoTime() > deadline) throw new AssertionError(what);
      Thread.sleep(10);
    }
  }

  private static int argmax(JsonNode row) {
    int best = 0;
    for (int i = 1; i < row.size(); i++) if (row.get(i).asDouble() > row.get(best).asDouble()) best = i;
    return best;
  }
}

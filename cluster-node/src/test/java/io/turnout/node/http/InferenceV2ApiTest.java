package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The KServe V2 routes on a real node; every request and reply is checked against the official OpenAPI document. */
class InferenceV2ApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OpenInferenceSpec SPEC = OpenInferenceSpec.get();
  private static TestNode node;

  @BeforeAll
  static void startNode(@TempDir Path dir) {
    node = TestNode.start(TestModels.rootWith(dir.resolve("models"), "iris", "types", "broken"), "");
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

  private static HttpResponse<String> get(String path) {
    HttpResponse<String> response = node.get(path);
    SPEC.assertValidResponse("GET", path, response.statusCode(), response.body());
    return response;
  }

  private static HttpResponse<String> infer(String path, String body) {
    HttpResponse<String> response = node.post(path, body);
    SPEC.assertValidResponse("POST", path, response.statusCode(), response.body());
    return response;
  }

  @Test
  void serverMetadataAndHealth() {
    JsonNode server = json(get("/v2"));
    assertEquals("turnout", server.get("name").asText());
    assertEquals(200, get("/v2/health/live").statusCode());
    assertEquals(200, get("/v2/health/ready").statusCode());
  }

  @Test
  void modelMetadataNamesVersionsPlatformAndTensors() {
    JsonNode metadata = json(get("/v2/models/iris"));
    assertEquals("iris", metadata.get("name").asText());
    assertEquals("tensorflow_savedmodel", metadata.get("platform").asText());
    assertEquals("[\"1\",\"2\"]", metadata.get("versions").toString());
    JsonNode input = metadata.get("inputs").get(0);
    assertEquals("features", input.get("name").asText());
    assertEquals("FP32", input.get("datatype").asText());
    assertEquals("[-1,4]", input.get("shape").toString());
    assertEquals("[-1,3]", metadata.get("outputs").get(0).get("shape").toString());

    JsonNode version1 = json(get("/v2/models/iris/versions/1"));
    assertEquals("[\"1\"]", version1.get("versions").toString());
  }

  @Test
  void modelReadinessIs200ForReadyAnd400ForAVersionThatFailed() {
    assertEquals(200, get("/v2/models/iris/versions/2/ready").statusCode());
    node.awaitGet("/v1/models/broken/versions/1", r -> r.body().contains("\"END\""), Duration.ofSeconds(30));
    // The OpenAPI document lists only 200 here; the protocol's prose says "4xx indicating false".
    HttpResponse<String> notReady = node.get("/v2/models/broken/versions/1/ready");
    assertEquals(400, notReady.statusCode());
    assertEquals("", notReady.body());
  }

  @Test
  void infersWithFlatAndNestedDataAndEchoesTheRequestId() {
    String flat = "{\"id\":\"r-1\",\"inputs\":[{\"name\":\"features\",\"shape\":[2,4],\"datatype\":\"FP32\","
        + "\"data\":[5.1,3.5,1.4,0.2,6.7,3.0,5.2,2.3]}]}";
    SPEC.assertValidRequest("POST", "/v2/models/iris/versions/2/infer", flat);
    HttpResponse<String> response = infer("/v2/models/iris/versions/2/infer", flat);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = json(response);
    assertEquals("iris", body.get("model_name").asText());
    assertEquals("2", body.get("model_version").asText());
    assertEquals("r-1", body.get("id").asText());
    JsonNode output = body.get("outputs").get(0);
    assertEquals("probabilities", output.get("name").asText());
    assertEquals("FP32", output.get("datatype").asText());
    assertEquals("[2,3]", output.get("shape").toString());
    assertEquals(6, output.get("data").size());
    assertTrue(output.get("data").get(0).asDouble() > 0.5, "setosa first");
    assertTrue(output.get("data").get(5).asDouble() > 0.5, "virginica second");

    String nested = "{\"inputs\":[{\"name\":\"features\",\"shape\":[2,4],\"datatype\":\"FP32\","
        + "\"data\":[[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]}]}";
    SPEC.assertValidRequest("POST", "/v2/models/iris/versions/2/infer", nested);
    JsonNode same = json(infer("/v2/models/iris/versions/2/infer", nested));
    assertEquals(output.get("data"), same.get("outputs").get(0).get("data"));
    assertEquals("2", node.post("/v2/models/iris/infer", nested).headers().firstValue("Turnout-Model-Version").orElse(""));
  }

  @Test
  void carriesEveryDatatypeAndFiltersOutputs() {
    String request = "{\"inputs\":["
        + "{\"name\":\"x_fp32\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1.5,2]},"
        + "{\"name\":\"x_fp64\",\"shape\":[1,2],\"datatype\":\"FP64\",\"data\":[0.25,4]},"
        + "{\"name\":\"x_int32\",\"shape\":[1,2],\"datatype\":\"INT32\",\"data\":[1,-7]},"
        + "{\"name\":\"x_int64\",\"shape\":[1,2],\"datatype\":\"INT64\",\"data\":[9007199254740993,0]},"
        + "{\"name\":\"x_bool\",\"shape\":[1,2],\"datatype\":\"BOOL\",\"data\":[true,false]},"
        + "{\"name\":\"x_bytes\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"héllo\"]}],"
        + "\"outputs\":[{\"name\":\"y_int64\"},{\"name\":\"y_bool\"},{\"name\":\"y_bytes\"}]}";
    SPEC.assertValidRequest("POST", "/v2/models/types/versions/1/infer", request);
    HttpResponse<String> response = infer("/v2/models/types/versions/1/infer", request);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode outputs = json(response).get("outputs");
    assertEquals(3, outputs.size());
    assertEquals("INT64", outputs.get(0).get("datatype").asText());
    assertEquals(9007199254740994L, outputs.get(0).get("data").get(0).asLong());
    assertEquals("BOOL", outputs.get(1).get("datatype").asText());
    assertEquals("[false,true]", outputs.get(1).get("data").toString());
    assertEquals("BYTES", outputs.get(2).get("datatype").asText());
    assertEquals("héllo", outputs.get(2).get("data").get(0).asText());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      malformed JSON          | /v2/models/iris/infer            | {"inputs": [                                                                        | 400
      no inputs               | /v2/models/iris/infer            | {"id": "x"}                                                                         | 400
      wrong datatype          | /v2/models/iris/infer            | {"inputs":[{"name":"features","shape":[1,4],"datatype":"INT32","data":[1,2,3,4]}]} | 400
      data length vs shape    | /v2/models/iris/infer            | {"inputs":[{"name":"features","shape":[2,4],"datatype":"FP32","data":[1,2,3,4]}]}  | 400
      wrong shape             | /v2/models/iris/infer            | {"inputs":[{"name":"features","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}    | 400
      empty batch             | /v2/models/iris/infer            | {"inputs":[{"name":"features","shape":[0,4],"datatype":"FP32","data":[]}]}         | 400
      unknown input           | /v2/models/iris/infer            | {"inputs":[{"name":"petals","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}    | 400
      unknown output          | /v2/models/iris/infer            | {"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"logits"}]} | 400
      unknown model           | /v2/models/lilac/infer           | {"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}  | 404
      unknown version         | /v2/models/iris/versions/7/infer | {"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}  | 404
      """)
  void badInputGetsAJsonErrorTheSpecAccepts(String problem, String path, String body, int status) {
    HttpResponse<String> response = node.post(path, body);
    assertEquals(status, response.statusCode(), problem + ": " + response.body());
    assertFalse(json(response).get("error").asText().isBlank());
    if (status == 400) SPEC.assertValidResponse("POST", path, status, response.body());
  }
}

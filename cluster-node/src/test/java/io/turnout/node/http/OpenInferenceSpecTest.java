package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The oracle itself: it must accept what the spec allows on our real paths, and catch what it does not. */
class OpenInferenceSpecTest {
  private static final OpenInferenceSpec SPEC = OpenInferenceSpec.get();
  private static final String REQUEST = """
      {"id": "42", "inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [[1.0, 2.0]]}]}""";
  private static final String RESPONSE = """
      {"model_name": "iris", "model_version": "2", "id": "42",
       "outputs": [{"name": "y", "shape": [1], "datatype": "FP32", "data": [0.5]}]}""";

  @Test
  @DisplayName("accepts an inference exchange on the versioned and the version-less path")
  void acceptsRealPaths() {
    SPEC.assertValid("POST", "/v2/models/iris/versions/2/infer", REQUEST, 200, RESPONSE);
    SPEC.assertValid("POST", "/v2/models/iris/infer", REQUEST, 200, RESPONSE);
    SPEC.assertValidResponse("GET", "/v2", 200, """
        {"name": "turnout", "version": "0.1.0", "extensions": []}""");
  }

  @Test
  @DisplayName("accepts the model metadata error the prose spec describes")
  void acceptsModelMetadataError() {
    SPEC.assertValidResponse("GET", "/v2/models/iris", 400, "{\"error\": \"no such model\"}");
    SPEC.assertValidResponse("GET", "/v2/models/iris/versions/7", 400, "{\"error\": \"no such version\"}");
  }

  @Test
  @DisplayName("rejects a request input without datatype and shape, and data that is not tensor data")
  void rejectsBadRequest() {
    List<String> errors = SPEC.requestErrors("POST", "/v2/models/iris/infer", """
        {"inputs": [{"name": "x", "data": [{"a": 1}]}]}""");
    assertTrue(errors.stream().anyMatch(e -> e.contains("missing required properties")), errors::toString);
    assertTrue(errors.stream().anyMatch(e -> e.contains("failed to match at least one required schema")), errors::toString);
  }

  @Test
  @DisplayName("rejects a response without model_name, and a numeric model_version")
  void rejectsBadResponse() {
    List<String> errors = SPEC.responseErrors("POST", "/v2/models/iris/infer", 200, """
        {"model_version": 2, "outputs": []}""");
    assertTrue(errors.stream().anyMatch(e -> e.contains("model_name")), errors::toString);
    assertTrue(errors.stream().anyMatch(e -> e.contains("model_version")), errors::toString);
  }

  @Test
  @DisplayName("fails the assertion with the validator's message, and knows no other paths")
  void failsWithMessages() {
    AssertionFailedError failure = assertThrows(AssertionFailedError.class,
        () -> SPEC.assertValidResponse("GET", "/v2/models/iris", 200, "{\"name\": \"iris\"}"));
    assertTrue(failure.getMessage().contains("platform"), failure::getMessage);
    assertTrue(!SPEC.requestErrors("GET", "/v3/whatever", null).isEmpty());
  }
}

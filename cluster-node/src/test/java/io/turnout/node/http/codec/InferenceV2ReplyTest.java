package io.turnout.node.http.codec;

import static io.turnout.node.http.codec.Fixtures.assertJson;
import static io.turnout.node.http.codec.Fixtures.ordered;
import static io.turnout.node.http.codec.Fixtures.text;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turnout.node.http.OpenInferenceSpec;
import io.turnout.protocol.DataType;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the node answers on the V2 API; every reply must conform to the official spec. */
class InferenceV2ReplyTest {
  private static final OpenInferenceSpec SPEC = OpenInferenceSpec.get();
  private static final ModelVersionId IRIS_2 = new ModelVersionId("iris", 2);

  private static String infer(ModelVersionId id, String requestId, InferenceResult result) {
    String json = text(InferenceV2Json.inferResponse(id, requestId, result));
    SPEC.assertValidResponse("POST", "/v2/models/iris/versions/2/infer", 200, json);
    return json;
  }

  @Test
  @DisplayName("inference reply: model, version as a string, the request id, outputs with flat data")
  void inferReply() {
    InferenceResult result = new InferenceResult(IRIS_2, ordered(
        "probabilities", Tensor.ofFloats(new long[] {2, 3}, new float[] {0.1f, 0.2f, 0.7f, 0.8f, 0.15f, 0.05f}),
        "classes", Tensor.ofLongs(new long[] {2}, new long[] {2, 0})));
    assertEquals("""
        {"model_name":"iris","model_version":"2","id":"42","outputs":[\
        {"name":"probabilities","datatype":"FP32","shape":[2,3],"data":[0.1,0.2,0.7,0.8,0.15,0.05]},\
        {"name":"classes","datatype":"INT64","shape":[2],"data":[2,0]}]}""", infer(IRIS_2, "42", result));
  }

  @Test
  @DisplayName("every datatype; no id when the request had none; NaN and infinities as strings")
  void everyDatatype() {
    InferenceResult result = new InferenceResult(IRIS_2, ordered(
        "f32", Tensor.ofFloats(new long[] {3}, new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0.5f}),
        "f64", Tensor.ofDoubles(new long[] {1, 2}, new double[] {Double.NEGATIVE_INFINITY, 1e300}),
        "i32", Tensor.ofInts(new long[] {1}, new int[] {Integer.MIN_VALUE}),
        "flag", Tensor.ofBooleans(new long[] {2}, new boolean[] {true, false}),
        "text", Tensor.ofBytes(new long[] {2}, new byte[][] {Fixtures.utf8("héllo"), {(byte) 0xFF}}),
        "scalar", Tensor.ofInts(new long[0], new int[] {7}),
        "none", Tensor.ofFloats(new long[] {0, 3}, new float[0])));
    assertJson("""
        {"model_name": "iris", "model_version": "2", "outputs": [
          {"name": "f32", "datatype": "FP32", "shape": [3], "data": ["NaN", "Infinity", -0.5]},
          {"name": "f64", "datatype": "FP64", "shape": [1, 2], "data": ["-Infinity", 1.0E300]},
          {"name": "i32", "datatype": "INT32", "shape": [1], "data": [-2147483648]},
          {"name": "flag", "datatype": "BOOL", "shape": [2], "data": [true, false]},
          {"name": "text", "datatype": "BYTES", "shape": [2], "data": ["héllo", "\\uFFFD"]},
          {"name": "scalar", "datatype": "INT32", "shape": [], "data": [7]},
          {"name": "none", "datatype": "FP32", "shape": [0, 3], "data": []}]}""",
        Fixtures.utf8(infer(IRIS_2, null, result)));
  }

  @Test
  @DisplayName("model metadata: versions as strings, -1 for variable dimensions, [-1] for unknown rank")
  void modelMetadata() {
    ModelSignature signature = new ModelSignature(ModelSignature.DEFAULT_KEY, "tensorflow/serving/predict",
        ordered("features", Fixtures.spec("serving_default_features:0", DataType.FP32, -1, 4),
            "note", new TensorSpec("note:0", DataType.BYTES, null)),
        Map.of("probabilities", Fixtures.spec("StatefulPartitionedCall:0", DataType.FP32, -1, 3)));
    String json = text(InferenceV2Json.modelMetadata("iris", List.of(1L, 2L), signature));
    assertEquals("""
        {"name":"iris","versions":["1","2"],"platform":"tensorflow_savedmodel",\
        "inputs":[{"name":"features","datatype":"FP32","shape":[-1,4]},{"name":"note","datatype":"BYTES","shape":[-1]}],\
        "outputs":[{"name":"probabilities","datatype":"FP32","shape":[-1,3]}]}""", json);
    SPEC.assertValidResponse("GET", "/v2/models/iris", 200, json);
    SPEC.assertValidResponse("GET", "/v2/models/iris/versions/2", 200, json);
  }

  @Test
  @DisplayName("server metadata")
  void serverMetadata() {
    String json = text(InferenceV2Json.serverMetadata("turnout", "0.1.0", List.of("model_repository")));
    assertEquals("{\"name\":\"turnout\",\"version\":\"0.1.0\",\"extensions\":[\"model_repository\"]}", json);
    SPEC.assertValidResponse("GET", "/v2", 200, json);
  }

  @Test
  @DisplayName("errors as {\"error\": message} on every endpoint that declares one")
  void error() {
    String json = text(InferenceV2Json.error("input 'features' has datatype FP64, but signature 'serving_default' expects FP32"));
    assertEquals("{\"error\":\"input 'features' has datatype FP64, but signature 'serving_default' expects FP32\"}", json);
    SPEC.assertValidResponse("POST", "/v2/models/iris/versions/2/infer", 400, json);
    SPEC.assertValidResponse("POST", "/v2/models/iris/infer", 400, json);
    SPEC.assertValidResponse("GET", "/v2/models/iris/versions/2", 400, json);
    SPEC.assertValidResponse("GET", "/v2", 400, json);
  }
}

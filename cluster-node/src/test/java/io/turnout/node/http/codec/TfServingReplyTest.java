package io.turnout.node.http.codec;

import static io.turnout.node.http.codec.Fixtures.assertJson;
import static io.turnout.node.http.codec.Fixtures.ordered;
import static io.turnout.node.http.codec.Fixtures.strings;
import static io.turnout.node.http.codec.Fixtures.text;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turnout.protocol.DataType;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import io.turnout.protocol.VersionState;
import io.turnout.protocol.VersionStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What the node answers on the TF Serving REST API. */
class TfServingReplyTest {
  private static final ModelVersionId IRIS_2 = new ModelVersionId("iris", 2);

  private static InferenceResult result(Object... namesAndTensors) {
    return new InferenceResult(IRIS_2, ordered(namesAndTensors));
  }

  private static final Tensor PROBABILITIES =
      Tensor.ofFloats(new long[] {2, 3}, new float[] {0.1f, 0.2f, 0.7f, 0.8f, 0.15f, 0.05f});
  private static final Tensor CLASSES = Tensor.ofLongs(new long[] {2}, new long[] {2, 0});

  @Nested
  @DisplayName("predict replies")
  class Predict {
    @Test
    @DisplayName("row format, one output: a list of per-row values")
    void rowsOneOutput() {
      assertJson("{\"predictions\": [[0.1, 0.2, 0.7], [0.8, 0.15, 0.05]]}",
          TfServingJson.predictResponse(result("probabilities", PROBABILITIES), PredictFormat.ROW));
      assertJson("{\"predictions\": [3.5, 4.0, 5.5]}", TfServingJson.predictResponse(
          result("y", Tensor.ofFloats(new long[] {3}, new float[] {3.5f, 4f, 5.5f})), PredictFormat.ROW));
    }

    @Test
    @DisplayName("row format, several outputs: one object per row")
    void rowsSeveralOutputs() {
      assertJson("""
          {"predictions": [{"probabilities": [0.1, 0.2, 0.7], "classes": 2},
                           {"probabilities": [0.8, 0.15, 0.05], "classes": 0}]}""",
          TfServingJson.predictResponse(result("probabilities", PROBABILITIES, "classes", CLASSES), PredictFormat.ROW));
    }

    @Test
    @DisplayName("row format falls back to columnar when outputs do not share the batch dimension")
    void rowsFallBackToColumns() {
      Tensor vocabulary = Tensor.ofBytes(new long[] {3}, strings("setosa", "versicolor", "virginica"));
      assertJson("""
          {"outputs": {"classes": [2, 0], "vocabulary": ["setosa", "versicolor", "virginica"]}}""",
          TfServingJson.predictResponse(result("classes", CLASSES, "vocabulary", vocabulary), PredictFormat.ROW));
      Tensor scalar = Tensor.ofFloats(new long[0], new float[] {0.5f});
      assertJson("{\"outputs\": 0.5}", TfServingJson.predictResponse(result("score", scalar), PredictFormat.ROW));
    }

    @Test
    @DisplayName("columnar format: the value, or an object of values")
    void columns() {
      assertJson("{\"outputs\": [[0.1, 0.2, 0.7], [0.8, 0.15, 0.05]]}",
          TfServingJson.predictResponse(result("probabilities", PROBABILITIES), PredictFormat.COLUMNAR));
      assertJson("{\"outputs\": {\"probabilities\": [[0.1, 0.2, 0.7], [0.8, 0.15, 0.05]], \"classes\": [2, 0]}}",
          TfServingJson.predictResponse(result("probabilities", PROBABILITIES, "classes", CLASSES), PredictFormat.COLUMNAR));
    }

    @Test
    @DisplayName("every type, in rows")
    void everyType() {
      InferenceResult all = result(
          "f64", Tensor.ofDoubles(new long[] {2}, new double[] {0.1, -2}),
          "i32", Tensor.ofInts(new long[] {2}, new int[] {Integer.MAX_VALUE, -1}),
          "i64", Tensor.ofLongs(new long[] {2}, new long[] {Long.MIN_VALUE, 7}),
          "flag", Tensor.ofBooleans(new long[] {2}, new boolean[] {true, false}),
          "text", Tensor.ofBytes(new long[] {2}, strings("é\"\n", "")),
          "empty", Tensor.ofFloats(new long[] {2, 0}, new float[0]));
      assertJson("""
          {"predictions": [
            {"f64": 0.1, "i32": 2147483647, "i64": -9223372036854775808, "flag": true, "text": "é\\"\\n", "empty": []},
            {"f64": -2.0, "i32": -1, "i64": 7, "flag": false, "text": "", "empty": []}]}""",
          TfServingJson.predictResponse(all, PredictFormat.ROW));
    }

    @Test
    @DisplayName("floats are written compactly, and NaN/Infinity as TF Serving's bare tokens")
    void floatText() {
      Tensor values = Tensor.ofFloats(new long[] {6},
          new float[] {0.1f, 4f, 1e-5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
      assertEquals("{\"outputs\":[0.1,4.0,1.0E-5,NaN,Infinity,-Infinity]}",
          text(TfServingJson.predictResponse(result("y", values), PredictFormat.COLUMNAR)));
    }

    @Test
    @DisplayName("DT_STRING: text when UTF-8, {\"b64\": ...} when not, always b64 for outputs named *_bytes")
    void binaryStrings() {
      Tensor mixed = Tensor.ofBytes(new long[] {2}, new byte[][] {{'o', 'k'}, {(byte) 0xC3, 0x28}});
      Tensor image = Tensor.ofBytes(new long[] {2}, strings("hi", ""));
      assertJson("""
          {"outputs": {"label": ["ok", {"b64": "wyg="}], "image_bytes": [{"b64": "aGk="}, {"b64": ""}]}}""",
          TfServingJson.predictResponse(result("label", mixed, "image_bytes", image), PredictFormat.COLUMNAR));
    }
  }

  @Test
  @DisplayName("model status, with a failed load as TF Serving reports it: END with an error status")
  void versionStatus() {
    List<VersionStatus> statuses = List.of(
        new VersionStatus(IRIS_2, VersionState.AVAILABLE, ""),
        new VersionStatus(new ModelVersionId("iris", 3), VersionState.FAILED, "SavedModel not found at s3://m/3"),
        new VersionStatus(new ModelVersionId("iris", 4), VersionState.LOADING, ""),
        new VersionStatus(new ModelVersionId("iris", 1), VersionState.UNLOADING, ""),
        new VersionStatus(new ModelVersionId("iris", 0), VersionState.UNLOADED, ""));
    assertEquals("""
        {"model_version_status":[\
        {"version":"2","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}},\
        {"version":"3","state":"END","status":{"error_code":"UNKNOWN","error_message":"SavedModel not found at s3://m/3"}},\
        {"version":"4","state":"LOADING","status":{"error_code":"OK","error_message":""}},\
        {"version":"1","state":"UNLOADING","status":{"error_code":"OK","error_message":""}},\
        {"version":"0","state":"END","status":{"error_code":"OK","error_message":""}}]}""",
        text(TfServingJson.versionStatus(statuses)));
  }

  @Test
  @DisplayName("model metadata in TF Serving's shape, field order included")
  void metadata() {
    ModelSignature classify = new ModelSignature("classify", "tensorflow/serving/classify",
        Map.of("inputs", new TensorSpec("tf_example:0", DataType.BYTES, null)),
        Map.of("scores", new TensorSpec("scores:0", DataType.FP64, List.of())));
    Map<String, ModelSignature> signatures = ordered(ModelSignature.DEFAULT_KEY, Fixtures.IRIS, "classify", classify);
    assertEquals("""
        {"model_spec":{"name":"iris","signature_name":"","version":"2"},\
        "metadata":{"signature_def":{"signature_def":{\
        "serving_default":{\
        "inputs":{"features":{"dtype":"DT_FLOAT","tensor_shape":{"dim":[{"size":"-1","name":""},{"size":"4","name":""}],\
        "unknown_rank":false},"name":"serving_default_features:0"}},\
        "outputs":{"probabilities":{"dtype":"DT_FLOAT","tensor_shape":{"dim":[{"size":"-1","name":""},{"size":"3","name":""}],\
        "unknown_rank":false},"name":"StatefulPartitionedCall:0"}},\
        "method_name":"tensorflow/serving/predict"},\
        "classify":{\
        "inputs":{"inputs":{"dtype":"DT_STRING","tensor_shape":{"dim":[],"unknown_rank":true},"name":"tf_example:0"}},\
        "outputs":{"scores":{"dtype":"DT_DOUBLE","tensor_shape":{"dim":[],"unknown_rank":false},"name":"scores:0"}},\
        "method_name":"tensorflow/serving/classify"}}}}}""",
        text(TfServingJson.metadata(IRIS_2, signatures)));
  }

  @Test
  @DisplayName("errors as {\"error\": message}, escaped")
  void error() {
    assertEquals("{\"error\":\"instances[3] has 3 elements, expected 4\"}",
        text(TfServingJson.error("instances[3] has 3 elements, expected 4")));
    assertEquals("{\"error\":\"got \\\"x\\\"\\n\"}", text(TfServingJson.error("got \"x\"\n")));
  }
}

package io.turnout.node.http.codec;

import static io.turnout.node.http.codec.Fixtures.IRIS_MODEL;
import static io.turnout.node.http.codec.Fixtures.MANY;
import static io.turnout.node.http.codec.Fixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.http.OpenInferenceSpec;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** KServe V2 inference requests; every accepted one must also conform to the official spec. */
class InferenceV2RequestTest {
  private static final OpenInferenceSpec SPEC = OpenInferenceSpec.get();
  private static final String INFER = "/v2/models/iris/versions/2/infer";

  /** Parses a request the spec allows. */
  private static V2Infer accept(Map<String, ModelSignature> signatures, String body) {
    SPEC.assertValidRequest("POST", INFER, body);
    return InferenceV2Json.parseInfer(utf8(body), signatures);
  }

  private static Tensor input(V2Infer infer, String name) {
    return infer.request().inputs().get(name);
  }

  private static void assertRejected(Map<String, ModelSignature> signatures, String body, String message) {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> InferenceV2Json.parseInfer(utf8(body), signatures));
    assertEquals(message, e.getMessage());
  }

  private static String iris(String shape, String data) {
    return "{\"inputs\": [{\"name\": \"features\", \"shape\": " + shape + ", \"datatype\": \"FP32\", \"data\": " + data + "}]}";
  }

  @Nested
  @DisplayName("accepted requests")
  class Accepted {
    @Test
    @DisplayName("flat data in row-major order, with the request id")
    void flatData() {
      V2Infer infer = accept(IRIS_MODEL, """
          {"id": "42", "inputs": [{"name": "features", "shape": [2, 4], "datatype": "FP32",
            "data": [5.1, 3.5, 1.4, 0.2, 6.2, 2.9, 4.3, 1.3]}]}""");
      assertEquals("42", infer.id());
      assertEquals(ModelSignature.DEFAULT_KEY, infer.request().signatureKey());
      assertEquals(List.of(), infer.request().outputs());
      assertEquals(Tensor.ofFloats(new long[] {2, 4}, new float[] {5.1f, 3.5f, 1.4f, 0.2f, 6.2f, 2.9f, 4.3f, 1.3f}),
          input(infer, "features"));
    }

    @Test
    @DisplayName("nested data matching the shape; no id")
    void nestedData() {
      V2Infer infer = accept(IRIS_MODEL, iris("[2, 4]", "[[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3]]"));
      assertNull(infer.id());
      assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f, 6.2f, 2.9f, 4.3f, 1.3f}, input(infer, "features").floats());
    }

    @Test
    @DisplayName("every datatype, several inputs, the signature chosen by parameters.signature_name")
    void everyDatatype() {
      V2Infer infer = accept(MANY, """
          {"inputs": [
            {"name": "text", "shape": [2], "datatype": "BYTES", "data": ["héllo", ""]},
            {"name": "flag", "shape": [2], "datatype": "BOOL", "data": [true, false]},
            {"name": "i64", "shape": [2], "datatype": "INT64", "data": [-9223372036854775808, 2.0]},
            {"name": "i32", "shape": [2], "datatype": "INT32", "data": [2147483647, -1]},
            {"name": "f64", "shape": [2], "datatype": "FP64", "data": [0.1, "-Infinity"]},
            {"name": "f32", "shape": [2], "datatype": "FP32", "data": ["NaN", 1e-3], "parameters": {"content_type": "np"}}],
           "parameters": {"signature_name": "all_types", "priority": 3}}""");
      assertEquals("all_types", infer.request().signatureKey());
      assertEquals(List.of("f32", "f64", "i32", "i64", "flag", "text"), List.copyOf(infer.request().inputs().keySet()));
      assertTrue(Float.isNaN(input(infer, "f32").floats()[0]));
      assertEquals(Tensor.ofDoubles(new long[] {2}, new double[] {0.1, Double.NEGATIVE_INFINITY}), input(infer, "f64"));
      assertEquals(Tensor.ofInts(new long[] {2}, new int[] {Integer.MAX_VALUE, -1}), input(infer, "i32"));
      assertEquals(Tensor.ofLongs(new long[] {2}, new long[] {Long.MIN_VALUE, 2}), input(infer, "i64"));
      assertEquals(Tensor.ofBooleans(new long[] {2}, new boolean[] {true, false}), input(infer, "flag"));
      assertEquals(Tensor.ofBytes(new long[] {2}, Fixtures.strings("héllo", "")), input(infer, "text"));
    }

    @Test
    @DisplayName("multi-input signature with nested and flat data side by side, and an output filter")
    void severalInputsAndOutputFilter() {
      V2Infer infer = accept(MANY, """
          {"parameters": {"signature_name": "sensors"},
           "inputs": [
             {"name": "tag", "shape": [2], "datatype": "BYTES", "data": ["foo", "bar"]},
             {"name": "signal", "shape": [2, 5], "datatype": "INT64", "data": [1, 2, 3, 4, 5, 3, 4, 1, 2, 5]},
             {"name": "sensor", "shape": [2, 2, 2], "datatype": "FP64", "data": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]}],
           "outputs": [{"name": "label"}, {"name": "label", "parameters": {"binary_data": false}}]}""");
      assertEquals(List.of("label"), infer.request().outputs());
      assertEquals(Tensor.ofDoubles(new long[] {2, 2, 2}, new double[] {1, 2, 3, 4, 4, 5, 6, 8}), input(infer, "sensor"));
      assertEquals(2, infer.request().rows());
    }

    @Test
    @DisplayName("key order does not matter: data before datatype, parameters after inputs")
    void anyKeyOrder() {
      V2Infer infer = accept(MANY, """
          {"inputs": [{"data": [[[1, 2]]], "shape": [1, 1, 2], "name": "x", "datatype": "FP32"}],
           "outputs": [{"name": "y"}], "id": "r-1", "parameters": {"signature_name": "any_rank"}}""");
      assertEquals("any_rank", infer.request().signatureKey());
      assertEquals(Tensor.ofFloats(new long[] {1, 1, 2}, new float[] {1, 2}), input(infer, "x"));
    }

    @Test
    @DisplayName("a scalar tensor has shape [] and one element")
    void scalar() {
      V2Infer infer = accept(MANY, """
          {"inputs": [{"name": "image_bytes", "shape": [], "datatype": "BYTES", "data": ["raw"]}],
           "parameters": {"signature_name": "odd"}}""");
      assertEquals(Tensor.ofBytes(new long[0], Fixtures.strings("raw")), input(infer, "image_bytes"));
    }
  }

  @Nested
  @DisplayName("rejected requests")
  class Rejected {
    @Test
    @DisplayName("malformed JSON, non-objects, trailing garbage, NaN tokens (V2 JSON is strict)")
    void malformed() {
      InvalidInputException e = assertThrows(InvalidInputException.class,
          () -> InferenceV2Json.parseInfer(utf8("{\"inputs\": [}"), IRIS_MODEL));
      assertEquals("invalid JSON: Unexpected close marker '}': expected ']' (for Array starting at line 1, column 12)"
          + " at line 1, column 13", e.getMessage());
      assertRejected(IRIS_MODEL, "", "invalid JSON: the request body is empty");
      assertRejected(IRIS_MODEL, "\"inputs\"", "the request body must be a JSON object");
      assertRejected(IRIS_MODEL, iris("[1, 4]", "[1, 2, 3, 4]") + " {}", "unexpected content after the JSON object at line 1, column 95");
      e = assertThrows(InvalidInputException.class,
          () -> InferenceV2Json.parseInfer(utf8(iris("[1, 4]", "[1, 2, 3, NaN]")), IRIS_MODEL));
      assertTrue(e.getMessage().startsWith("invalid JSON: Non-standard token 'NaN'"), e::getMessage);
    }

    @Test
    @DisplayName("missing, unknown or repeated inputs")
    void inputNames() {
      assertRejected(IRIS_MODEL, "{\"id\": \"1\"}", "the request needs \"inputs\"");
      assertRejected(IRIS_MODEL, "{\"inputs\": []}", "missing input 'features'; signature 'serving_default' takes: features");
      assertRejected(IRIS_MODEL, "{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}",
          "inputs[0] names unknown input 'x'; signature 'serving_default' takes: features");
      String one = "{\"name\": \"features\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4]}";
      assertRejected(IRIS_MODEL, "{\"inputs\": [" + one + ", " + one + "]}", "inputs[1] names input 'features' again");
      assertRejected(IRIS_MODEL, "{\"inputs\": [{\"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4]}]}",
          "inputs[0] lacks \"name\"");
      assertRejected(IRIS_MODEL, "{\"inputs\": [{\"name\": \"features\", \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4]}]}",
          "inputs[0] lacks \"shape\"");
      assertRejected(IRIS_MODEL, "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 4], \"data\": [1, 2, 3, 4]}]}",
          "inputs[0] lacks \"datatype\"");
      assertRejected(IRIS_MODEL, "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 4], \"datatype\": \"FP32\"}]}",
          "inputs[0] lacks \"data\"");
      assertRejected(IRIS_MODEL, "{\"inputs\": {\"features\": [1, 2, 3, 4]}}", "\"inputs\" must be a list, got an object");
    }

    @Test
    @DisplayName("a datatype other than the signature's, or one we do not serve")
    void datatypes() {
      assertRejected(IRIS_MODEL, "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 4], \"datatype\": \"FP64\", \"data\": [1, 2, 3, 4]}]}",
          "input 'features' has datatype FP64, but signature 'serving_default' expects FP32");
      assertRejected(IRIS_MODEL, "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 4], \"datatype\": \"FP16\", \"data\": [1, 2, 3, 4]}]}",
          "inputs[0].datatype \"FP16\" is not supported; use one of [FP32, FP64, INT32, INT64, BOOL, BYTES]");
    }

    @Test
    @DisplayName("shapes: against the signature, against the data, negative dimensions, empty batch")
    void shapes() {
      assertRejected(IRIS_MODEL, iris("[2, 3]", "[1, 2, 3, 4, 5, 6]"),
          "input 'features' has shape [2, 3], but signature 'serving_default' expects [-1, 4] (-1: any size)");
      assertRejected(IRIS_MODEL, iris("[2, 4]", "[1, 2, 3, 4, 5, 6, 7]"), "inputs[0].data has 7 elements, but shape [2, 4] needs 8");
      assertRejected(IRIS_MODEL, iris("[1, 4]", "[1, 2, 3, 4, 5]"), "inputs[0].data has 5 elements, but shape [1, 4] needs 4");
      // A made-up shape must not make the reader allocate for it.
      assertRejected(IRIS_MODEL, iris("[1000000000, 4]", "[1, 2, 3, 4]"),
          "inputs[0].data has 4 elements, but shape [1000000000, 4] needs 4000000000");
      assertRejected(IRIS_MODEL, iris("[2, 4]", "[[1, 2], [3, 4], [5, 6], [7, 8]]"),
          "inputs[0].data is nested as [4, 2], but its shape is [2, 4]");
      assertRejected(IRIS_MODEL, iris("[2, 4]", "[[1, 2, 3, 4], [5, 6, 7]]"), "inputs[0].data[1] has 3 elements, expected 4");
      assertRejected(IRIS_MODEL, iris("[2, 4]", "[[1, 2, 3, 4], 5, 6, 7, 8]"),
          "inputs[0].data[1] is a scalar where a list is expected: all elements must be nested equally deep");
      assertRejected(IRIS_MODEL, iris("[-1, 4]", "[1, 2, 3, 4]"), "inputs[0].shape[0] is -1: dimensions must not be negative");
      assertRejected(IRIS_MODEL, iris("[1.5, 4]", "[1, 2, 3, 4]"), "inputs[0].shape[0] must be an integer, got 1.5");
      assertRejected(IRIS_MODEL, iris("[0, 4]", "[]"), "input 'features' has an empty batch (first dimension 0)");
      assertRejected(IRIS_MODEL, iris("[4294967296, 4294967296, 4294967296]", "[]"),
          "inputs[0].shape [4294967296, 4294967296, 4294967296] is too large");
      assertRejected(IRIS_MODEL, iris("[1, 4]", "5"), "inputs[0].data must be a list, got 5");
    }

    @Test
    @DisplayName("element values of the wrong type, named by position")
    void elementTypes() {
      assertRejected(IRIS_MODEL, iris("[1, 4]", "[1, 2, \"x\", 4]"),
          "inputs[0].data[2] must be a number for FP32 input 'features', got \"x\"");
      assertRejected(IRIS_MODEL, iris("[1, 4]", "[[1, 2, 3, null]]"),
          "inputs[0].data[0][3] must be a number for FP32 input 'features', got null");
      assertRejected(MANY, "{\"parameters\": {\"signature_name\": \"all_types\"}, \"inputs\": ["
              + "{\"name\": \"flag\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [1]}]}",
          "inputs[0].data[0] must be true or false for BOOL input 'flag', got 1");
      assertRejected(MANY, "{\"parameters\": {\"signature_name\": \"all_types\"}, \"inputs\": ["
              + "{\"name\": \"text\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [{\"b64\": \"aGk=\"}]}]}",
          "inputs[0].data[0] must be a string for BYTES input 'text', got an object");
      assertRejected(MANY, "{\"parameters\": {\"signature_name\": \"all_types\"}, \"inputs\": ["
              + "{\"name\": \"i32\", \"shape\": [1], \"datatype\": \"INT32\", \"data\": [0.5]}]}",
          "inputs[0].data[0] is 0.5, but INT32 input 'i32' takes whole numbers only");
      assertRejected(MANY, "{\"parameters\": {\"signature_name\": \"all_types\"}, \"inputs\": ["
              + "{\"data\": [-2147483649], \"name\": \"i32\", \"shape\": [1], \"datatype\": \"INT32\"}]}",
          "inputs[0].data[0] is -2147483649, out of range for INT32 input 'i32'");
    }

    @Test
    @DisplayName("inputs with different batch sizes")
    void differentBatchSizes() {
      assertRejected(MANY, """
          {"parameters": {"signature_name": "sensors"}, "inputs": [
            {"name": "tag", "shape": [2], "datatype": "BYTES", "data": ["foo", "bar"]},
            {"name": "signal", "shape": [1, 5], "datatype": "INT64", "data": [1, 2, 3, 4, 5]},
            {"name": "sensor", "shape": [2, 2, 2], "datatype": "FP64", "data": [1, 2, 3, 4, 4, 5, 6, 8]}]}""",
          "inputs have different batch sizes: 'tag' has 2, 'signal' has 1");
    }

    @Test
    @DisplayName("outputs and signatures the model does not have; malformed id, parameters and outputs")
    void outputsSignaturesAndEnvelope() {
      String inputs = "\"inputs\": [{\"name\": \"features\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4]}]";
      assertRejected(IRIS_MODEL, "{" + inputs + ", \"outputs\": [{\"name\": \"logits\"}]}",
          "unknown output 'logits'; signature 'serving_default' has outputs: probabilities");
      assertRejected(IRIS_MODEL, "{" + inputs + ", \"parameters\": {\"signature_name\": \"classify\"}}",
          "signature 'classify' not found; available signatures: serving_default");
      assertRejected(Map.of(Fixtures.SENSORS.key(), Fixtures.SENSORS), "{" + inputs + "}",
          "the model has no 'serving_default' signature; choose one with \"parameters\": {\"signature_name\": ...}: sensors");
      assertRejected(IRIS_MODEL, "{\"id\": 42, " + inputs + "}", "\"id\" must be a string, got 42");
      assertRejected(IRIS_MODEL, "{\"parameters\": [], " + inputs + "}", "\"parameters\" must be an object, got a list");
      assertRejected(IRIS_MODEL, "{" + inputs + ", \"outputs\": [\"probabilities\"]}",
          "outputs[0] must be an object, got \"probabilities\"");
      assertRejected(IRIS_MODEL, "{" + inputs + ", \"outputs\": [{}]}", "outputs[0] lacks \"name\"");
    }
  }
}

package io.turnout.node.http.codec;

import static io.turnout.node.http.codec.Fixtures.IRIS_MODEL;
import static io.turnout.node.http.codec.Fixtures.MANY;
import static io.turnout.node.http.codec.Fixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** TF Serving predict requests, as tensorflow.org/tfx/serving/api_rest describes them. */
class TfServingPredictRequestTest {

  private static TfServingPredict parse(Map<String, ModelSignature> signatures, String body) {
    return TfServingJson.parsePredict(utf8(body), signatures);
  }

  private static Tensor input(TfServingPredict predict, String name) {
    return predict.request().inputs().get(name);
  }

  private static void assertRejected(Map<String, ModelSignature> signatures, String body, String message) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse(signatures, body));
    assertEquals(message, e.getMessage());
  }

  private static void assertRejectedStartingWith(Map<String, ModelSignature> signatures, String body, String start) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse(signatures, body));
    assertTrue(e.getMessage().startsWith(start), e::getMessage);
  }

  @Nested
  @DisplayName("row format (instances)")
  class Rows {
    @Test
    @DisplayName("one input: each instance is that input's row, the batch is the number of instances")
    void nestedLists() {
      TfServingPredict predict = parse(IRIS_MODEL, """
          {"instances": [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3]]}""");
      assertEquals(PredictFormat.ROW, predict.format());
      assertEquals(ModelSignature.DEFAULT_KEY, predict.request().signatureKey());
      assertEquals(List.of(), predict.request().outputs());
      assertEquals(Tensor.ofFloats(new long[] {2, 4}, new float[] {5.1f, 3.5f, 1.4f, 0.2f, 6.2f, 2.9f, 4.3f, 1.3f}),
          input(predict, "features"));
    }

    @Test
    @DisplayName("one input: an instance may also be an object naming it")
    void objectNamingTheOnlyInput() {
      TfServingPredict predict = parse(IRIS_MODEL, """
          {"instances": [{"features": [5.1, 3.5, 1.4, 0.2]}, {"features": [6.2, 2.9, 4.3, 1.3]}]}""");
      assertArrayEquals(new long[] {2, 4}, input(predict, "features").shape());
    }

    @Test
    @DisplayName("one input of rank 1: instances are scalars")
    void scalarInstances() {
      TfServingPredict predict = parse(MANY, """
          {"signature_name": "all_types", "instances": [{"f32": 1.0, "f64": 2.5, "i32": 3, "i64": 4, "flag": true, "text": "a"},
           {"f32": -1, "f64": 1e300, "i32": -2147483648, "i64": 9223372036854775807, "flag": false, "text": {"b64": "AP8="}}]}""");
      assertEquals("all_types", predict.request().signatureKey());
      assertEquals(Tensor.ofFloats(new long[] {2}, new float[] {1f, -1f}), input(predict, "f32"));
      assertEquals(Tensor.ofDoubles(new long[] {2}, new double[] {2.5, 1e300}), input(predict, "f64"));
      assertEquals(Tensor.ofInts(new long[] {2}, new int[] {3, Integer.MIN_VALUE}), input(predict, "i32"));
      assertEquals(Tensor.ofLongs(new long[] {2}, new long[] {4, Long.MAX_VALUE}), input(predict, "i64"));
      assertEquals(Tensor.ofBooleans(new long[] {2}, new boolean[] {true, false}), input(predict, "flag"));
      assertEquals(Tensor.ofBytes(new long[] {2}, new byte[][] {utf8("a"), {0, (byte) 0xFF}}), input(predict, "text"));
    }

    @Test
    @DisplayName("several inputs: each instance is an object with every input (the documentation's example)")
    void severalInputs() {
      TfServingPredict predict = parse(MANY, """
          {"signature_name": "sensors", "instances": [
            {"tag": "foo", "signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]},
            {"tag": "bar", "signal": [3, 4, 1, 2, 5], "sensor": [[4, 5], [6, 8]]}]}""");
      assertEquals(List.of("tag", "signal", "sensor"), List.copyOf(predict.request().inputs().keySet()));
      assertEquals(Tensor.ofBytes(new long[] {2}, Fixtures.strings("foo", "bar")), input(predict, "tag"));
      assertEquals(Tensor.ofLongs(new long[] {2, 5}, new long[] {1, 2, 3, 4, 5, 3, 4, 1, 2, 5}), input(predict, "signal"));
      assertEquals(Tensor.ofDoubles(new long[] {2, 2, 2}, new double[] {1, 2, 3, 4, 4, 5, 6, 8}), input(predict, "sensor"));
    }

    @Test
    @DisplayName("binary strings as {\"b64\": ...} instances")
    void base64Instances() {
      TfServingPredict predict = parse(MANY, """
          {"signature_name": "sensors", "instances": [{"tag": {"b64": "aW1hZ2UgYnl0ZXM="}, "signal": [1, 2, 3, 4, 5],
            "sensor": [[1, 2], [3, 4]]}]}""");
      assertArrayEquals(utf8("image bytes"), input(predict, "tag").bytes()[0]);
    }

    @Test
    @DisplayName("NaN, Infinity and -Infinity are accepted as TF Serving accepts them")
    void nonFiniteTokens() {
      float[] values = input(parse(IRIS_MODEL, "{\"instances\": [[NaN, Infinity, -Infinity, 0]]}"), "features").floats();
      assertTrue(Float.isNaN(values[0]));
      assertEquals(Float.POSITIVE_INFINITY, values[1]);
      assertEquals(Float.NEGATIVE_INFINITY, values[2]);
    }

    @Test
    @DisplayName("integers may be written as whole decimals: 2.0 and 1e3")
    void wholeDecimalsForIntegers() {
      TfServingPredict predict = parse(MANY, """
          {"signature_name": "sensors", "instances": [{"tag": "", "signal": [2.0, 1e3, -0.0, 5, 7E+1], "sensor": [[1, 2], [3, 4]]}]}""");
      assertArrayEquals(new long[] {2, 1000, 0, 5, 70}, input(predict, "signal").longs());
    }
  }

  @Nested
  @DisplayName("columnar format (inputs)")
  class Columns {
    @Test
    @DisplayName("one input: the value holds the whole batch")
    void plainValue() {
      TfServingPredict predict = parse(IRIS_MODEL, "{\"inputs\": [[5.1, 3.5, 1.4, 0.2]]}");
      assertEquals(PredictFormat.COLUMNAR, predict.format());
      assertEquals(Tensor.ofFloats(new long[] {1, 4}, new float[] {5.1f, 3.5f, 1.4f, 0.2f}), input(predict, "features"));
    }

    @Test
    @DisplayName("several inputs: an object naming them, returned in signature order")
    void namedInputs() {
      TfServingPredict predict = parse(MANY, """
          {"inputs": {"sensor": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]], "tag": ["foo", "bar"],
                      "signal": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]]},
           "signature_name": "sensors"}""");
      assertEquals(List.of("tag", "signal", "sensor"), List.copyOf(predict.request().inputs().keySet()));
      assertArrayEquals(new long[] {2, 2, 2}, input(predict, "sensor").shape());
    }

    @Test
    @DisplayName("every type")
    void everyType() {
      TfServingPredict predict = parse(MANY, """
          {"signature_name": "all_types", "inputs": {"f32": [0.5, -Infinity], "f64": [1e-300, 2], "i32": [7, 1e2],
           "i64": [-9223372036854775808, 0], "flag": [false, true], "text": ["ü", {"b64": "//8="}]}}""");
      assertEquals(Tensor.ofFloats(new long[] {2}, new float[] {0.5f, Float.NEGATIVE_INFINITY}), input(predict, "f32"));
      assertEquals(Tensor.ofDoubles(new long[] {2}, new double[] {1e-300, 2}), input(predict, "f64"));
      assertEquals(Tensor.ofInts(new long[] {2}, new int[] {7, 100}), input(predict, "i32"));
      assertEquals(Tensor.ofLongs(new long[] {2}, new long[] {Long.MIN_VALUE, 0}), input(predict, "i64"));
      assertEquals(Tensor.ofBooleans(new long[] {2}, new boolean[] {false, true}), input(predict, "flag"));
      assertEquals(Tensor.ofBytes(new long[] {2}, new byte[][] {utf8("ü"), {(byte) 0xFF, (byte) 0xFF}}), input(predict, "text"));
    }

    @Test
    @DisplayName("a lone binary scalar as {\"b64\": ...}; a tensor of unknown rank takes any nesting")
    void base64ScalarAndUnknownRank() {
      TfServingPredict image = parse(MANY, "{\"signature_name\": \"odd\", \"inputs\": {\"b64\": \"aGk=\"}}");
      assertEquals(Tensor.ofBytes(new long[0], new byte[][] {utf8("hi")}), input(image, "image_bytes"));
      TfServingPredict any = parse(MANY, "{\"signature_name\": \"any_rank\", \"inputs\": [[[1], [2]]]}");
      assertArrayEquals(new long[] {1, 2, 1}, input(any, "x").shape());
      assertArrayEquals(new long[0], input(parse(MANY, "{\"signature_name\": \"any_rank\", \"inputs\": 7}"), "x").shape());
    }
  }

  @Nested
  @DisplayName("signature selection")
  class Signatures {
    @Test
    @DisplayName("signature_name may come after the tensors; they are read again for it")
    void signatureNameAfterTensors() {
      TfServingPredict predict = parse(MANY, """
          {"instances": [{"tag": "a", "signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]}], "signature_name": "sensors"}""");
      assertEquals("sensors", predict.request().signatureKey());
      // Fits serving_default too, but the later name wins.
      TfServingPredict other = parse(MANY, "{\"inputs\": {\"x\": [1, 2]}, \"signature_name\": \"any_rank\"}");
      assertEquals("any_rank", other.request().signatureKey());
    }

    @Test
    @DisplayName("without serving_default the tensors wait for signature_name")
    void noDefaultSignature() {
      Map<String, ModelSignature> noDefault = Map.of(Fixtures.SENSORS.key(), Fixtures.SENSORS);
      TfServingPredict predict = parse(noDefault, """
          {"inputs": {"tag": ["a"], "signal": [[1, 2, 3, 4, 5]], "sensor": [[[1, 2], [3, 4]]]}, "signature_name": "sensors"}""");
      assertEquals("sensors", predict.request().signatureKey());
      assertRejected(noDefault, "{\"inputs\": [1]}",
          "the model has no 'serving_default' signature; choose one with \"signature_name\": sensors");
    }

    @Test
    @DisplayName("an empty signature_name means the default one, as in TF Serving")
    void emptySignatureName() {
      assertEquals(ModelSignature.DEFAULT_KEY,
          parse(MANY, "{\"signature_name\": \"\", \"instances\": [[1, 2, 3, 4]]}").request().signatureKey());
    }

    @Test
    @DisplayName("unknown signature: the error lists the available ones")
    void unknownSignature() {
      assertRejected(MANY, "{\"signature_name\": \"nope\", \"instances\": [[1, 2, 3, 4]]}",
          "signature 'nope' not found; available signatures: serving_default, sensors, all_types, odd, any_rank");
      assertRejected(MANY, "{\"instances\": [[1, 2, 3]], \"signature_name\": \"nope\"}",
          "signature 'nope' not found; available signatures: serving_default, sensors, all_types, odd, any_rank");
    }

    @Test
    @DisplayName("signature_name must be a string")
    void signatureNameNotAString() {
      assertRejected(MANY, "{\"signature_name\": 3, \"instances\": [[1, 2, 3, 4]]}",
          "\"signature_name\" must be a string, got 3");
    }
  }

  @Nested
  @DisplayName("rejected requests")
  class Rejected {
    @Test
    @DisplayName("malformed JSON, with its position")
    void malformed() {
      assertRejectedStartingWith(IRIS_MODEL, "{\"instances\": [[1, 2,]]}", "invalid JSON: Unexpected character (']'");
      assertRejectedStartingWith(IRIS_MODEL, "{\"instances\": [[1, 2,]]}", "invalid JSON: ");
      assertTrue(assertThrows(InvalidInputException.class, () -> parse(IRIS_MODEL, "{\"instances\": [[1, 2"))
          .getMessage().contains("line 1, column"));
      assertRejected(IRIS_MODEL, "", "invalid JSON: the request body is empty");
      assertRejected(IRIS_MODEL, "[[1, 2, 3, 4]]", "the request body must be a JSON object");
      assertRejectedStartingWith(MANY, "{\"signature_name\": \"any_rank\", \"inputs\": " + "[".repeat(5000) + "]".repeat(5000) + "}",
          "invalid JSON: Document nesting depth (1001) exceeds the maximum allowed");
      assertRejectedStartingWith(IRIS_MODEL, "{\"instances\": [[1, 2, 3, 4]], \"instances\": [[1, 2, 3, 4]]}",
          "invalid JSON: Duplicate field 'instances'");
    }

    @Test
    @DisplayName("trailing garbage after the object")
    void trailingGarbage() {
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, 3, 4]]} {}",
          "unexpected content after the JSON object at line 1, column 31");
      assertRejectedStartingWith(IRIS_MODEL, "{\"instances\": [[1, 2, 3, 4]]} x", "invalid JSON: Unrecognized token 'x'");
    }

    @Test
    @DisplayName("both instances and inputs, or neither")
    void bothOrNeither() {
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, 3, 4]], \"inputs\": [[1, 2, 3, 4]]}",
          "use either \"instances\" (row format) or \"inputs\" (columnar format), not both");
      assertRejected(IRIS_MODEL, "{\"signature_name\": \"serving_default\"}",
          "the request needs \"instances\" (row format) or \"inputs\" (columnar format)");
      assertRejected(IRIS_MODEL, "{\"instances\": {\"features\": [1, 2, 3, 4]}}", "\"instances\" must be a list, got an object");
    }

    @Test
    @DisplayName("empty batch")
    void emptyBatch() {
      assertRejected(IRIS_MODEL, "{\"instances\": []}", "\"instances\" is empty: send at least one instance");
      assertRejected(IRIS_MODEL, "{\"inputs\": []}", "input 'features' has an empty batch (first dimension 0)");
      assertRejected(IRIS_MODEL, "{\"inputs\": {\"features\": []}}", "input 'features' has an empty batch (first dimension 0)");
    }

    @Test
    @DisplayName("ragged rows, named by their position")
    void ragged() {
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3]]}",
          "instances[3] has 3 elements, expected 4");
      assertRejected(IRIS_MODEL, "{\"inputs\": [[1, 2, 3, 4], [1, 2, 3, 4, 5]]}", "inputs[1] has 5 elements, expected 4");
      assertRejected(IRIS_MODEL, "{\"instances\": [{\"features\": [1, 2, 3, 4]}, {\"features\": [1, 2]}]}",
          "instances[1].features has 2 elements, expected 4");
      assertRejected(MANY, "{\"signature_name\": \"sensors\", \"inputs\": {\"tag\": [\"a\", \"b\"], \"signal\": [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]], "
          + "\"sensor\": [[[1, 2], [3, 4]], [[1, 2], [3]]]}}", "inputs.sensor[1][1] has 1 elements, expected 2");
    }

    @Test
    @DisplayName("rows nested to different depths")
    void raggedNesting() {
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, 3, [4]]]}",
          "instances[0][3] is a list where a scalar is expected: all elements must be nested equally deep");
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, 3, 4], 5]}",
          "instances[1] is a scalar where a list is expected: all elements must be nested equally deep");
      assertRejected(IRIS_MODEL, "{\"inputs\": [[], 5]}",
          "inputs[1] is a scalar where a list is expected: all elements must be nested equally deep");
    }

    @Test
    @DisplayName("wrong rank or shape for the signature")
    void wrongShape() {
      assertRejected(IRIS_MODEL, "{\"instances\": [1, 2, 3, 4]}",
          "input 'features' has shape [4], but signature 'serving_default' expects [-1, 4] (-1: any size)");
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, 3]]}",
          "input 'features' has shape [1, 3], but signature 'serving_default' expects [-1, 4] (-1: any size)");
      assertRejected(IRIS_MODEL, "{\"inputs\": 5}",
          "input 'features' has shape [], but signature 'serving_default' expects [-1, 4] (-1: any size)");
    }

    @Test
    @DisplayName("values of the wrong JSON type")
    void wrongType() {
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, \"3\", 4]]}",
          "instances[0][2] must be a number for DT_FLOAT input 'features', got \"3\"");
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, null, 4]]}",
          "instances[0][2] must be a number for DT_FLOAT input 'features', got null");
      assertRejected(IRIS_MODEL, "{\"instances\": [[1, 2, true, 4]]}",
          "instances[0][2] must be a number for DT_FLOAT input 'features', got true");
      assertRejected(IRIS_MODEL, "{\"inputs\": [[1, 2, {}, 4]]}",
          "inputs[0][2] must be a number for DT_FLOAT input 'features', got an object");
      String allTypes = "{\"signature_name\": \"all_types\", \"inputs\": {\"f32\": [1], \"f64\": [1], \"i32\": [1], \"i64\": [1], ";
      assertRejected(MANY, allTypes + "\"flag\": [1], \"text\": [\"a\"]}}",
          "inputs.flag[0] must be true or false for DT_BOOL input 'flag', got 1");
      assertRejected(MANY, allTypes + "\"flag\": [true], \"text\": [5]}}",
          "inputs.text[0] must be a string or {\"b64\": \"<base64>\"} for DT_STRING input 'text', got 5");
      assertRejected(MANY, allTypes + "\"flag\": [true], \"text\": [{\"b64\": \"%%\"}]}}",
          "inputs.text[0] is not valid base64: Illegal base64 character 25");
      assertRejected(MANY, allTypes + "\"flag\": [true], \"text\": [{\"b64\": \"aGk=\", \"x\": 1}]}}",
          "inputs.text[0] must hold only the \"b64\" key, found \"x\" too");
      assertRejected(MANY, "{\"signature_name\": \"all_types\", \"inputs\": {\"f32\": [1], \"f64\": [1], \"i32\": [\"1\"]}}",
          "inputs.i32[0] must be an integer for DT_INT32 input 'i32', got \"1\"");
    }

    @Test
    @DisplayName("numbers that do not fit the type")
    void outOfRange() {
      String prefix = "{\"signature_name\": \"all_types\", \"instances\": [{\"f32\": ";
      String rest = ", \"f64\": 1, \"i32\": 1, \"i64\": 1, \"flag\": true, \"text\": \"\"}]}";
      assertRejected(MANY, prefix + "1e39" + rest, "instances[0].f32 is 1e39, out of range for DT_FLOAT input 'f32'");
      assertRejected(MANY, prefix + "1, \"f64\": 1, \"i32\": 2147483648, \"i64\": 1, \"flag\": true, \"text\": \"\"}]}",
          "instances[0].i32 is 2147483648, out of range for DT_INT32 input 'i32'");
      assertRejected(MANY, prefix + "1, \"f64\": 1, \"i32\": 1.5, \"i64\": 1, \"flag\": true, \"text\": \"\"}]}",
          "instances[0].i32 is 1.5, but DT_INT32 input 'i32' takes whole numbers only");
      assertRejected(MANY, prefix + "1, \"f64\": 1, \"i32\": 1, \"i64\": 9223372036854775808, \"flag\": true, \"text\": \"\"}]}",
          "instances[0].i64 is 9223372036854775808, out of range for DT_INT64 input 'i64'");
      assertRejected(MANY, prefix + "1, \"f64\": 1, \"i32\": 1, \"i64\": 1e30, \"flag\": true, \"text\": \"\"}]}",
          "instances[0].i64 is 1e30, out of range for DT_INT64 input 'i64'");
      assertRejected(MANY, prefix + "1, \"f64\": 1, \"i32\": NaN, \"i64\": 1, \"flag\": true, \"text\": \"\"}]}",
          "instances[0].i32 is NaN, but DT_INT32 input 'i32' takes whole numbers only");
      assertRejected(MANY, prefix + "1, \"f64\": -1e309, \"i32\": 1, \"i64\": 1, \"flag\": true, \"text\": \"\"}]}",
          "instances[0].f64 is -1e309, out of range for DT_DOUBLE input 'f64'");
    }

    @Test
    @DisplayName("missing or unknown input names")
    void missingOrUnknownInputs() {
      String sensors = "{\"signature_name\": \"sensors\", ";
      assertRejected(MANY, sensors + "\"instances\": [{\"tag\": \"a\", \"signal\": [1, 2, 3, 4, 5]}]}",
          "instances[0] lacks input 'sensor'");
      assertRejected(MANY, sensors + "\"instances\": [{\"tag\": \"a\", \"signal\": [1, 2, 3, 4, 5], \"sensor\": [[1, 2], [3, 4]], \"x\": 1}]}",
          "instances[0] names unknown input 'x'; signature 'sensors' takes: tag, signal, sensor");
      assertRejected(MANY, sensors + "\"inputs\": {\"tag\": [\"a\"], \"signal\": [[1, 2, 3, 4, 5]]}}",
          "missing input 'sensor'; signature 'sensors' takes: tag, signal, sensor");
      assertRejected(MANY, sensors + "\"inputs\": {\"tags\": [\"a\"]}}",
          "\"inputs\" names unknown input 'tags'; signature 'sensors' takes: tag, signal, sensor");
      assertRejected(IRIS_MODEL, "{\"instances\": [{\"feature\": [1, 2, 3, 4]}]}",
          "instances[0] names unknown input 'feature'; signature 'serving_default' takes: features");
    }

    @Test
    @DisplayName("plain values where several inputs need naming, and mixed instance forms")
    void unnamedValuesForSeveralInputs() {
      assertRejected(MANY, "{\"signature_name\": \"sensors\", \"instances\": [[1, 2, 3, 4, 5]]}",
          "instances[0] is a plain value, but signature 'sensors' has 3 inputs (tag, signal, sensor): "
              + "each instance must be an object naming them");
      assertRejected(MANY, "{\"signature_name\": \"sensors\", \"inputs\": [\"a\"]}",
          "\"inputs\" is a plain value, but signature 'sensors' has 3 inputs (tag, signal, sensor): make it an object naming them");
      assertRejected(IRIS_MODEL, "{\"instances\": [{\"features\": [1, 2, 3, 4]}, [1, 2, 3, 4]]}",
          "instances[1] is a plain value, but instances[0] is an object naming inputs: all instances must take the same form");
    }

    @Test
    @DisplayName("inputs with different batch sizes")
    void differentBatchSizes() {
      assertRejected(MANY, "{\"signature_name\": \"sensors\", \"inputs\": {\"tag\": [\"a\", \"b\"], "
              + "\"signal\": [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]], \"sensor\": [[[1, 2], [3, 4]]]}}",
          "inputs have different batch sizes: 'tag' has 2, 'sensor' has 1");
    }

    @Test
    @DisplayName("tensors that fit no signature keep the default signature's error")
    void misfitWithoutSignatureName() {
      assertRejected(MANY, "{\"instances\": [[1, 2, 3]], \"note\": \"no signature_name here\"}",
          "input 'features' has shape [1, 3], but signature 'serving_default' expects [-1, 4] (-1: any size)");
      assertRejected(MANY, "{\"instances\": [[1, \"x\"]], \"signature_name\": \"serving_default\"}",
          "instances[0][1] must be a number for DT_FLOAT input 'features', got \"x\"");
      // A later signature_name gets the tensors read again, and reports in its own terms.
      assertRejected(MANY, "{\"instances\": [[1, \"x\"]], \"signature_name\": \"any_rank\"}",
          "instances[0][1] must be a number for DT_FLOAT input 'x', got \"x\"");
    }
  }
}

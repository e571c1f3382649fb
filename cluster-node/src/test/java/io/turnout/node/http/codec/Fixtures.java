package io.turnout.node.http.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.turnout.protocol.DataType;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Signatures and JSON helpers shared by the codec tests. */
final class Fixtures {
  private Fixtures() {}

  private static final JsonMapper LENIENT = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  /** Iris: four features in, three class probabilities out. */
  static final ModelSignature IRIS = signature(ModelSignature.DEFAULT_KEY,
      Map.of("features", spec("serving_default_features:0", DataType.FP32, -1, 4)),
      Map.of("probabilities", spec("StatefulPartitionedCall:0", DataType.FP32, -1, 3)));

  /** TF Serving's documentation example: three inputs of different types and ranks. */
  static final ModelSignature SENSORS = signature("sensors",
      ordered("tag", spec("tag:0", DataType.BYTES, -1),
          "signal", spec("signal:0", DataType.INT64, -1, 5),
          "sensor", spec("sensor:0", DataType.FP64, -1, 2, 2)),
      ordered("score", spec("score:0", DataType.FP32, -1),
          "label", spec("label:0", DataType.BYTES, -1)));

  /** One input of each type, each one value per row. */
  static final ModelSignature ALL_TYPES = signature("all_types",
      ordered("f32", spec("f32:0", DataType.FP32, -1),
          "f64", spec("f64:0", DataType.FP64, -1),
          "i32", spec("i32:0", DataType.INT32, -1),
          "i64", spec("i64:0", DataType.INT64, -1),
          "flag", spec("flag:0", DataType.BOOL, -1),
          "text", spec("text:0", DataType.BYTES, -1)),
      ordered("out", spec("out:0", DataType.FP32, -1)));

  /** A lone DT_STRING scalar without batch dimension, and an input of unknown rank. */
  static final ModelSignature ODD = signature("odd",
      ordered("image_bytes", spec("image:0", DataType.BYTES)),
      ordered("out", spec("out:0", DataType.FP32)));
  static final ModelSignature ANY_RANK = signature("any_rank",
      ordered("x", new TensorSpec("x:0", DataType.FP32, null)),
      ordered("y", new TensorSpec("y:0", DataType.FP32, null)));

  static final Map<String, ModelSignature> IRIS_MODEL = Map.of(IRIS.key(), IRIS);
  static final Map<String, ModelSignature> MANY = ordered(
      IRIS.key(), IRIS, SENSORS.key(), SENSORS, ALL_TYPES.key(), ALL_TYPES, ODD.key(), ODD, ANY_RANK.key(), ANY_RANK);

  static TensorSpec spec(String tensorName, DataType type, long... dims) {
    List<Long> list = new ArrayList<>();
    for (long dim : dims) list.add(dim);
    return new TensorSpec(tensorName, type, list);
  }

  static ModelSignature signature(String key, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {
    return new ModelSignature(key, "tensorflow/serving/predict", inputs, outputs);
  }

  /** A map that keeps the order of its key/value arguments. */
  @SuppressWarnings("unchecked")
  static <V> Map<String, V> ordered(Object... keysAndValues) {
    Map<String, V> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) map.put((String) keysAndValues[i], (V) keysAndValues[i + 1]);
    return map;
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] json) {
    return new String(json, StandardCharsets.UTF_8);
  }

  static byte[][] strings(String... values) {
    byte[][] bytes = new byte[values.length][];
    for (int i = 0; i < values.length; i++) bytes[i] = utf8(values[i]);
    return bytes;
  }

  /** Same JSON, whatever the spacing and key order; numbers must agree in kind (4.0 is not 4). */
  static void assertJson(String expected, byte[] actual) {
    try {
      JsonNode want = LENIENT.readTree(expected);
      JsonNode got = LENIENT.readTree(actual);
      assertEquals(want, got, () -> "got " + text(actual));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

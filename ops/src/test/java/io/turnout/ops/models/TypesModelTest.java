package io.turnout.ops.models;

import static io.turnout.ops.models.Served.assertTensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArray;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

class TypesModelTest {

  @TempDir static Path models;
  static Path version;

  @BeforeAll
  static void export() throws IOException {
    version = models.resolve("types/1");
    TypesModel.export(version);
  }

  @Test
  void declaresEverySupportedDtypeWithAnOpenBatchDimension() {
    try (SavedModelBundle model = Served.load(version)) {
      Set<String> keys = new TreeSet<>();
      model.signatures().forEach(s -> keys.add(s.key()));
      assertEquals(Set.of("serving_default", "sum"), keys);

      Signature types = model.function("serving_default").signature();
      assertEquals("tensorflow/serving/predict", types.methodName());
      Map<String, Signature.TensorDescription> in = types.getInputs();
      Map<String, Signature.TensorDescription> out = types.getOutputs();
      assertEquals(6, in.size());
      assertEquals(6, out.size());
      assertTensor(in, "x_fp32", DataType.DT_FLOAT, -1, 2);
      assertTensor(in, "x_fp64", DataType.DT_DOUBLE, -1, 2);
      assertTensor(in, "x_int32", DataType.DT_INT32, -1, 2);
      assertTensor(in, "x_int64", DataType.DT_INT64, -1, 2);
      assertTensor(in, "x_bool", DataType.DT_BOOL, -1, 2);
      assertTensor(in, "x_bytes", DataType.DT_STRING, -1);
      assertTensor(out, "y_fp32", DataType.DT_FLOAT, -1, 2);
      assertTensor(out, "y_fp64", DataType.DT_DOUBLE, -1, 2);
      assertTensor(out, "y_int32", DataType.DT_INT32, -1, 2);
      assertTensor(out, "y_int64", DataType.DT_INT64, -1, 2);
      assertTensor(out, "y_bool", DataType.DT_BOOL, -1, 2);
      assertTensor(out, "y_bytes", DataType.DT_STRING, -1);

      Signature sum = model.function("sum").signature();
      assertEquals("tensorflow/serving/predict", sum.methodName());
      assertTensor(sum.getInputs(), "a", DataType.DT_FLOAT, -1, 3);
      assertTensor(sum.getOutputs(), "total", DataType.DT_FLOAT, -1);
    }
  }

  @Test
  void computesEachOutputFromItsInput() {
    byte[] binary = {0, (byte) 0xff, 10};
    byte[] text = "héllo".getBytes(StandardCharsets.UTF_8);
    try (SavedModelBundle model = Served.load(version);
        TFloat32 fp32 =
            TFloat32.tensorOf(StdArrays.ndCopyOf(new float[][] {{1.5f, -2f}, {0f, 3f}}));
        TFloat64 fp64 = TFloat64.tensorOf(StdArrays.ndCopyOf(new double[][] {{0.25, 1e300}}));
        TInt32 int32 =
            TInt32.tensorOf(StdArrays.ndCopyOf(new int[][] {{-1, Integer.MAX_VALUE - 1}}));
        TInt64 int64 = TInt64.tensorOf(StdArrays.ndCopyOf(new long[][] {{1L << 40, -7}}));
        TBool bool = TBool.tensorOf(StdArrays.ndCopyOf(new boolean[][] {{true, false}}));
        TString bytes = TString.tensorOfBytes(Shape.of(2), DataBuffers.ofObjects(binary, text));
        Result result =
            model
                .function("serving_default")
                .call(
                    Map.<String, Tensor>of(
                        "x_fp32", fp32,
                        "x_fp64", fp64,
                        "x_int32", int32,
                        "x_int64", int64,
                        "x_bool", bool,
                        "x_bytes", bytes))) {
      assertArrayEquals(
          new float[][] {{3f, -4f}, {0f, 6f}},
          StdArrays.array2dCopyOf((TFloat32) result.get("y_fp32").orElseThrow()));
      assertArrayEquals(
          new double[][] {{0.5, 2e300}},
          StdArrays.array2dCopyOf((TFloat64) result.get("y_fp64").orElseThrow()));
      assertArrayEquals(
          new int[][] {{0, Integer.MAX_VALUE}},
          StdArrays.array2dCopyOf((TInt32) result.get("y_int32").orElseThrow()));
      assertArrayEquals(
          new long[][] {{(1L << 40) + 1, -6}},
          StdArrays.array2dCopyOf((TInt64) result.get("y_int64").orElseThrow()));
      assertArrayEquals(
          new boolean[][] {{false, true}},
          StdArrays.array2dCopyOf((TBool) result.get("y_bool").orElseThrow()));
      NdArray<byte[]> echoed = ((TString) result.get("y_bytes").orElseThrow()).asBytes();
      assertEquals(2, echoed.size());
      assertArrayEquals(binary, echoed.getObject(0));
      assertArrayEquals(text, echoed.getObject(1));
    }
  }

  @Test
  void sumSignatureAddsUpEachRow() {
    try (SavedModelBundle model = Served.load(version);
        TFloat32 a =
            TFloat32.tensorOf(StdArrays.ndCopyOf(new float[][] {{1, 2, 3}, {-1, 0.5f, 0}}));
        Result result = model.function("sum").call(Map.<String, Tensor>of("a", a))) {
      assertArrayEquals(
          new float[] {6f, -0.5f},
          StdArrays.array1dCopyOf((TFloat32) result.get("total").orElseThrow()));
    }
  }
}

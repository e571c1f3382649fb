package io.turnout.node.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.turnout.protocol.DataType;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TensorBatchesTest {
  private static final ModelSignature IRIS = new ModelSignature("serving_default", "tensorflow/serving/predict",
      Map.of("features", new TensorSpec("serving_default_features:0", DataType.FP32, List.of(-1L, 4L))),
      Map.of("probabilities", new TensorSpec("StatefulPartitionedCall:0", DataType.FP32, List.of(-1L, 3L))));

  private static InferenceRequest rows(float... values) {
    return new InferenceRequest("serving_default",
        Map.of("features", Tensor.ofFloats(new long[] {values.length / 4, 4}, values)), List.of());
  }

  @Test
  void mergesRequestsAlongTheBatchDimensionInOrder() {
    Map<String, Tensor> merged = TensorBatches.merge(List.of(rows(1, 2, 3, 4), rows(5, 6, 7, 8, 9, 10, 11, 12)));
    Tensor features = merged.get("features");
    assertArrayEquals(new long[] {3, 4}, features.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, features.floats());
  }

  @Test
  void splitsOutputsBackIntoEachRequestsRows() {
    Tensor probabilities = Tensor.ofFloats(new long[] {3, 3}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    List<Map<String, Tensor>> slices = TensorBatches.split(Map.of("probabilities", probabilities), new long[] {1, 2});
    assertEquals(Tensor.ofFloats(new long[] {1, 3}, new float[] {1, 2, 3}), slices.get(0).get("probabilities"));
    assertEquals(Tensor.ofFloats(new long[] {2, 3}, new float[] {4, 5, 6, 7, 8, 9}), slices.get(1).get("probabilities"));
  }

  @Test
  void refusesToSplitAnOutputWithoutTheBatchRows() {
    Tensor scalar = Tensor.ofFloats(new long[] {}, new float[] {1});
    assertThrows(IllegalStateException.class, () -> TensorBatches.split(Map.of("loss", scalar), new long[] {1, 1}));
  }

  @Test
  void requestsShareABatchKeyOnlyWhenTheyCanShareACall() {
    assertEquals(TensorBatches.batchKey(IRIS, rows(1, 2, 3, 4)), TensorBatches.batchKey(IRIS, rows(5, 6, 7, 8, 1, 2, 3, 4)));
    InferenceRequest onlyProbabilities = new InferenceRequest("serving_default",
        rows(1, 2, 3, 4).inputs(), List.of("probabilities"));
    assertNotEquals(TensorBatches.batchKey(IRIS, rows(1, 2, 3, 4)), TensorBatches.batchKey(IRIS, onlyProbabilities));
  }

  @Test
  void aSignatureWithAFixedBatchDimensionNeverBatches() {
    ModelSignature fixed = new ModelSignature("serving_default", "m",
        Map.of("features", new TensorSpec("x:0", DataType.FP32, List.of(1L, 4L))),
        Map.of("probabilities", new TensorSpec("y:0", DataType.FP32, List.of(1L, 3L))));
    assertNotEquals(TensorBatches.batchKey(fixed, rows(1, 2, 3, 4)), TensorBatches.batchKey(fixed, rows(1, 2, 3, 4)));
  }

  @Test
  void concatenatesByteStringsToo() {
    Tensor a = Tensor.ofBytes(new long[] {1}, new byte[][] {"a".getBytes()});
    Tensor b = Tensor.ofBytes(new long[] {2}, new byte[][] {"b".getBytes(), new byte[] {(byte) 0xff}});
    Tensor merged = TensorBatches.concat(List.of(a, b));
    assertEquals(Tensor.ofBytes(new long[] {3}, new byte[][] {"a".getBytes(), "b".getBytes(), new byte[] {(byte) 0xff}}), merged);
  }
}

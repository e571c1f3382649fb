package io.turnout.ops.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/** Test helpers that look at exported models only through SavedModelBundle, as a server does. */
final class Served {

  private Served() {}

  static SavedModelBundle load(Path versionDir) {
    return SavedModelBundle.load(versionDir.toString(), "serve");
  }

  /** Runs {@code features} through the model's default signature. */
  static float[][] probabilities(Path versionDir, float[][] features) {
    try (SavedModelBundle model = load(versionDir);
        TFloat32 input = TFloat32.tensorOf(StdArrays.ndCopyOf(features));
        Result result = model.call(Map.<String, Tensor>of("features", input))) {
      return StdArrays.array2dCopyOf((TFloat32) result.get("probabilities").orElseThrow());
    }
  }

  /** Share of Iris rows whose most probable class is the labelled one. */
  static double irisAccuracy(Path versionDir) {
    IrisData iris = IrisData.load();
    float[][] probabilities = probabilities(versionDir, iris.features());
    int[] labels = iris.labels();
    int correct = 0;
    for (int row = 0; row < labels.length; row++) {
      int best = 0;
      for (int c = 1; c < probabilities[row].length; c++) {
        if (probabilities[row][c] > probabilities[row][best]) {
          best = c;
        }
      }
      correct += best == labels[row] ? 1 : 0;
    }
    return (double) correct / labels.length;
  }

  static void assertTensor(
      Map<String, Signature.TensorDescription> tensors,
      String name,
      DataType type,
      long... dims) {
    Signature.TensorDescription tensor = tensors.get(name);
    assertEquals(type, tensor == null ? null : tensor.dataType, name + " dtype");
    assertArrayEquals(dims, tensor.shape.asArray(), name + " shape");
  }

  static void assertRowsSumToOne(float[][] probabilities) {
    for (float[] row : probabilities) {
      double sum = 0;
      for (float p : row) {
        sum += p;
      }
      assertEquals(1.0, sum, 1e-5);
    }
  }
}

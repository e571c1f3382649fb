package io.turnout.node.http;

import io.turnout.node.stats.WindowRecorder.Comparison;
import io.turnout.protocol.DataType;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * How a shadow's answer compares with the primary's for the same request, pure. Every output of the
 * primary is compared with the shadow's output of the same name:
 *
 * <ul>
 *   <li>a float output (FP32, FP64) of rank 2 or more whose last dimension is above 1 is a score
 *       per class: each row (all dimensions but the last) picks its class by argmax (the first
 *       maximum on ties), and the answer <em>agrees</em> only when every row of every such output
 *       picked the same class as the primary;
 *   <li>every float output adds its element-wise absolute differences: the answer's mean absolute
 *       difference is over all float elements compared, its maximum the largest one. Two NaNs are
 *       equal; a NaN against a number is an infinite difference, because the candidate answers
 *       something the primary does not;
 *   <li>other outputs (integers, booleans, strings) must have the same dtype and shape but are not
 *       measured.
 * </ul>
 *
 * An answer that lacks one of the primary's outputs, or has it with another dtype or shape, cannot
 * be compared: {@link #compare} returns null and the copy counts as failed, since a candidate whose
 * outputs do not fit the primary's could not take its place.
 */
final class OutputComparison {
  private OutputComparison() {}

  /** The comparison of {@code shadow} with {@code primary}, or null when their outputs do not fit. */
  static Comparison compare(InferenceResult primary, InferenceResult shadow) {
    boolean classified = false;
    boolean agreed = true;
    double sumAbsDiff = 0;
    long elements = 0;
    double maxAbsDiff = 0;
    for (Map.Entry<String, Tensor> output : primary.outputs().entrySet()) {
      Tensor expected = output.getValue();
      Tensor actual = shadow.outputs().get(output.getKey());
      if (actual == null || actual.dataType() != expected.dataType() || !Arrays.equals(actual.shape(), expected.shape())) {
        return null;
      }
      if (!isFloat(expected)) continue;
      int count = expected.elementCount();
      for (int i = 0; i < count; i++) {
        double diff = absDiff(expected.numberAt(i), actual.numberAt(i));
        sumAbsDiff += diff;
        if (diff > maxAbsDiff) maxAbsDiff = diff;
      }
      elements += count;
      if (isScorePerClass(expected)) {
        classified = true;
        agreed &= sameArgmaxPerRow(expected, actual);
      }
    }
    return new Comparison(classified, classified && agreed, elements == 0 ? 0 : sumAbsDiff / elements, maxAbsDiff);
  }

  static boolean isScorePerClass(Tensor tensor) {
    return isFloat(tensor) && tensor.rank() >= 2 && tensor.shape()[tensor.rank() - 1] > 1;
  }

  private static boolean isFloat(Tensor tensor) {
    return tensor.dataType() == DataType.FP32 || tensor.dataType() == DataType.FP64;
  }

  private static double absDiff(double a, double b) {
    boolean aNaN = Double.isNaN(a);
    boolean bNaN = Double.isNaN(b);
    if (aNaN || bNaN) return aNaN && bNaN ? 0 : Double.POSITIVE_INFINITY;
    if (a == b) return 0; // equal infinities too
    return Math.abs(a - b);
  }

  private static boolean sameArgmaxPerRow(Tensor expected, Tensor actual) {
    int classes = (int) expected.shape()[expected.rank() - 1];
    int rows = expected.elementCount() / classes;
    for (int row = 0; row < rows; row++) {
      if (argmax(expected, row * classes, classes) != argmax(actual, row * classes, classes)) return false;
    }
    return true;
  }

  /** The index of the first largest element in {@code [from, from + length)}; NaNs never win. */
  private static int argmax(Tensor tensor, int from, int length) {
    int best = -1;
    double bestValue = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < length; i++) {
      double value = tensor.numberAt(from + i);
      if (!Double.isNaN(value) && (best < 0 || value > bestValue)) {
        best = i;
        bestValue = value;
      }
    }
    return best;
  }
}

package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.stats.WindowRecorder.Comparison;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputComparisonTest {
  private static final ModelVersionId V1 = new ModelVersionId("iris", 1);
  private static final ModelVersionId V2 = new ModelVersionId("iris", 2);

  private static InferenceResult result(ModelVersionId version, Object... namesAndTensors) {
    Map<String, Tensor> outputs = new LinkedHashMap<>();
    for (int i = 0; i < namesAndTensors.length; i += 2) outputs.put((String) namesAndTensors[i], (Tensor) namesAndTensors[i + 1]);
    return new InferenceResult(version, outputs);
  }

  private static Tensor scores(float... perClassOfTwoRows) {
    return Tensor.ofFloats(new long[] {2, perClassOfTwoRows.length / 2}, perClassOfTwoRows);
  }

  @Test
  void sameClassOnEveryRowAgreesAndTheDifferencesAreMeasured() {
    Comparison comparison = OutputComparison.compare(
        result(V1, "probabilities", scores(0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f)),
        result(V2, "probabilities", scores(0.5f, 0.4f, 0.1f, 0.0f, 0.2f, 0.8f)));

    assertTrue(comparison.classified());
    assertTrue(comparison.agreed());
    // |diffs| 0.2 0.2 0 0.1 0.1 0 over 6 elements
    assertEquals(0.6 / 6, comparison.meanAbsDiff(), 1e-6);
    assertEquals(0.2, comparison.maxAbsDiff(), 1e-6);
  }

  @Test
  void oneRowPickingAnotherClassDisagrees() {
    Comparison comparison = OutputComparison.compare(
        result(V1, "probabilities", scores(0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f)),
        result(V2, "probabilities", scores(0.7f, 0.2f, 0.1f, 0.1f, 0.8f, 0.1f)));

    assertTrue(comparison.classified());
    assertFalse(comparison.agreed());
    assertEquals(0.7, comparison.maxAbsDiff(), 1e-6);
  }

  @Test
  void tiesGoToTheFirstClassOnBothSides() {
    Comparison comparison = OutputComparison.compare(
        result(V1, "p", scores(0.5f, 0.5f, 0.3f, 0.3f)),
        result(V2, "p", scores(0.5f, 0.5f, 0.3f, 0.3f)));

    assertTrue(comparison.agreed());
    assertEquals(0, comparison.maxAbsDiff());
  }

  @Test
  void aRegressionOutputIsMeasuredButHasNoClassToAgreeOn() {
    Tensor one = Tensor.ofDoubles(new long[] {3, 1}, new double[] {1.0, 2.0, 3.0});
    Tensor other = Tensor.ofDoubles(new long[] {3, 1}, new double[] {1.5, 2.0, 2.0});

    Comparison comparison = OutputComparison.compare(result(V1, "price", one), result(V2, "price", other));

    assertFalse(comparison.classified());
    assertFalse(comparison.agreed());
    assertEquals(0.5, comparison.meanAbsDiff(), 1e-9);
    assertEquals(1.0, comparison.maxAbsDiff(), 1e-9);
  }

  @Test
  void everyClassifierOutputMustAgreeAndIntegerOutputsAreOnlyCheckedForShape() {
    Tensor classesA = Tensor.ofLongs(new long[] {2}, new long[] {0, 2});
    Tensor classesB = Tensor.ofLongs(new long[] {2}, new long[] {1, 1});

    Comparison comparison = OutputComparison.compare(
        result(V1, "classes", classesA, "a", scores(0.9f, 0.1f, 0.2f, 0.8f), "b", scores(0.9f, 0.1f, 0.2f, 0.8f)),
        result(V2, "classes", classesB, "a", scores(0.9f, 0.1f, 0.2f, 0.8f), "b", scores(0.1f, 0.9f, 0.2f, 0.8f)));

    assertTrue(comparison.classified());
    assertFalse(comparison.agreed(), "output b disagrees on its first row");
    assertEquals(1.6 / 8, comparison.meanAbsDiff(), 1e-6);
  }

  @Test
  void nanAgainstANumberIsAnInfiniteDifferenceAndTwoNansAreEqual() {
    Comparison same = OutputComparison.compare(result(V1, "p", scores(Float.NaN, 1f, 0f, 1f)),
        result(V2, "p", scores(Float.NaN, 1f, 0f, 1f)));
    Comparison different = OutputComparison.compare(result(V1, "p", scores(0f, 1f, 0f, 1f)),
        result(V2, "p", scores(Float.NaN, 1f, 0f, 1f)));

    assertEquals(0, same.maxAbsDiff());
    assertTrue(same.agreed());
    assertEquals(Double.POSITIVE_INFINITY, different.maxAbsDiff());
    assertTrue(different.agreed(), "a NaN never wins the argmax");
  }

  @Test
  void outputsThatDoNotFitCannotBeCompared() {
    InferenceResult primary = result(V1, "probabilities", scores(0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f));

    assertNull(OutputComparison.compare(primary, result(V2, "scores", scores(0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f))));
    assertNull(OutputComparison.compare(primary, result(V2, "probabilities", scores(0.7f, 0.3f, 0.1f, 0.9f))));
    assertNull(OutputComparison.compare(primary, result(V2, "probabilities",
        Tensor.ofDoubles(new long[] {2, 3}, new double[] {0.7, 0.2, 0.1, 0.1, 0.1, 0.8}))));
  }

  @Test
  void extraOutputsOfTheShadowAreIgnored() {
    InferenceResult primary = result(V1, "probabilities", scores(0.7f, 0.3f, 0.1f, 0.9f));

    Comparison comparison = OutputComparison.compare(primary,
        result(V2, "probabilities", scores(0.7f, 0.3f, 0.1f, 0.9f), "logits", scores(9f, 9f, 9f, 9f)));

    assertTrue(comparison.agreed());
    assertEquals(0, comparison.maxAbsDiff());
  }
}

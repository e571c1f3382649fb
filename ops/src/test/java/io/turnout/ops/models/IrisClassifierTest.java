package io.turnout.ops.models;

import static io.turnout.ops.models.Served.assertRowsSumToOne;
import static io.turnout.ops.models.Served.assertTensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.ops.models.IrisClassifier.Quality;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.proto.DataType;

class IrisClassifierTest {

  @TempDir static Path models;
  static Path brief;
  static Path full;

  @BeforeAll
  static void exportBothVersions() throws IOException {
    brief = models.resolve("iris/1");
    full = models.resolve("iris/2");
    IrisClassifier.train(Quality.BRIEF).export(brief);
    IrisClassifier.train(Quality.FULL).export(full);
  }

  @Test
  void briefTrainingLandsBetween70And90PercentOnAll150Rows() {
    double accuracy = Served.irisAccuracy(brief);
    assertTrue(accuracy >= 0.70 && accuracy <= 0.90, "v1 accuracy " + accuracy);
  }

  @Test
  void fullTrainingReachesAtLeast95PercentOnAll150Rows() {
    double accuracy = Served.irisAccuracy(full);
    assertTrue(accuracy >= 0.95, "v2 accuracy " + accuracy);
    assertTrue(accuracy > Served.irisAccuracy(brief), "v2 beats v1");
  }

  @Test
  void reportedAccuracyIsTheServedOne() {
    IrisClassifier.Accuracy accuracy = IrisClassifier.accuracy(full);
    assertEquals(150, accuracy.total());
    assertEquals(Served.irisAccuracy(full), accuracy.fraction(), 1e-12);
  }

  @Test
  void servesTheDefaultPredictSignatureOnRawMeasurements() {
    try (SavedModelBundle model = Served.load(full)) {
      assertEquals(1, model.signatures().size());
      Signature signature = model.signatures().get(0);
      assertEquals("serving_default", signature.key());
      assertEquals("tensorflow/serving/predict", signature.methodName());
      assertEquals(Set.of("features"), signature.inputNames());
      assertEquals(Set.of("probabilities"), signature.outputNames());
      assertTensor(signature.getInputs(), "features", DataType.DT_FLOAT, -1, 4);
      assertTensor(signature.getOutputs(), "probabilities", DataType.DT_FLOAT, -1, 3);
    }
    // One raw flower of each species, in centimetres: no client-side scaling.
    float[][] probabilities =
        Served.probabilities(
            full,
            new float[][] {
              {5.1f, 3.5f, 1.4f, 0.2f}, {6.4f, 3.2f, 4.5f, 1.5f}, {6.3f, 3.3f, 6.0f, 2.5f}
            });
    assertRowsSumToOne(probabilities);
    for (int species = 0; species < 3; species++) {
      float[] row = probabilities[species];
      for (int other = 0; other < 3; other++) {
        assertTrue(other == species || row[species] > row[other], "row " + species);
      }
    }
  }

  @Test
  void exportsAnInferenceOnlyGraph() {
    List<String> types = new ArrayList<>();
    try (SavedModelBundle model = Served.load(full)) {
      model.graph().operations().forEachRemaining(op -> types.add(op.type()));
    }
    assertTrue(types.contains("Softmax"), types.toString());
    assertFalse(types.contains("VariableV2"), types.toString());
    assertFalse(types.stream().anyMatch(t -> t.startsWith("Apply")), types.toString());
  }

  @Test
  void theSameEpochsTrainTheSameModel() throws IOException {
    Path again = models.resolve("again/1");
    IrisClassifier.train(Quality.BRIEF).export(again);
    float[][] rows = IrisData.load().features();
    float[][] first = Served.probabilities(brief, rows);
    float[][] second = Served.probabilities(again, rows);
    for (int row = 0; row < rows.length; row++) {
      assertArrayEquals(first[row], second[row], "row " + row);
    }
  }

  @Test
  void rejectsNegativeEpochs() {
    assertThrows(IllegalArgumentException.class, () -> IrisClassifier.train(-1));
  }
}

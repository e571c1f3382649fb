package io.turnout.ops.models;

import static io.turnout.ops.models.Served.assertRowsSumToOne;
import static io.turnout.ops.models.Served.assertTensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.proto.DataType;

class WideModelTest {

  @TempDir Path models;

  @Test
  void hasTheIrisSignatureAndReturnsADistributionPerRow() throws IOException {
    Path version = models.resolve("wide/1");
    WideModel.export(version);
    try (SavedModelBundle model = Served.load(version)) {
      Signature signature = model.function("serving_default").signature();
      assertEquals("tensorflow/serving/predict", signature.methodName());
      assertTensor(signature.getInputs(), "features", DataType.DT_FLOAT, -1, 4);
      assertTensor(signature.getOutputs(), "probabilities", DataType.DT_FLOAT, -1, 3);
    }
    float[][] rows = Arrays.copyOf(IrisData.load().features(), 64);
    float[][] probabilities = Served.probabilities(version, rows);
    assertEquals(64, probabilities.length);
    for (float[] row : probabilities) {
      assertEquals(3, row.length);
    }
    assertRowsSumToOne(probabilities);
  }

  @Test
  void holdsAboutAMillionWeightsPerHiddenLayerPair() throws IOException {
    Path version = models.resolve("wide/1");
    WideModel.export(version);
    long weights = 4L * 1024 + 1024L * 1024 + 1024L * 3;
    long bytes = Files.size(version.resolve("saved_model.pb"));
    assertTrue(bytes > 4 * weights, "saved_model.pb has " + bytes + " bytes");
  }

  @Test
  void widthIsAParameter() throws IOException {
    Path version = models.resolve("narrow/1");
    WideModel.export(version, 8);
    assertRowsSumToOne(Served.probabilities(version, new float[][] {{5f, 3f, 1.5f, 0.2f}}));
  }
}

package io.turnout.ops.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class IrisDataTest {

  private final IrisData iris = IrisData.load();

  @Test
  void has150RowsWith50OfEachSpecies() {
    assertEquals(150, iris.size());
    assertEquals(150, iris.features().length);
    int[] perClass = new int[3];
    for (int label : iris.labels()) {
      perClass[label]++;
    }
    assertArrayEquals(new int[] {50, 50, 50}, perClass);
    assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classNames());
  }

  @Test
  void columnMeansAreFishers() {
    assertArrayEquals(new float[] {5.8433f, 3.0573f, 3.7580f, 1.1993f}, iris.means(), 5e-4f);
  }

  @Test
  void rowsKeepTheirOrderAndSpecies() {
    assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, iris.features()[0]);
    assertEquals(0, iris.labels()[0]);
    assertArrayEquals(new float[] {7.0f, 3.2f, 4.7f, 1.4f}, iris.features()[50]);
    assertEquals(1, iris.labels()[50]);
    assertArrayEquals(new float[] {5.9f, 3.0f, 5.1f, 1.8f}, iris.features()[149]);
    assertEquals(2, iris.labels()[149]);
  }

  @Test
  void standardDeviationsAreThePopulationOnes() {
    assertArrayEquals(
        new float[] {0.8253f, 0.4344f, 1.7594f, 0.7597f}, iris.standardDeviations(), 5e-4f);
  }

  @Test
  void callersGetCopies() {
    iris.features()[0][0] = 99f;
    iris.labels()[0] = 2;
    assertEquals(5.1f, iris.features()[0][0]);
    assertEquals(0, iris.labels()[0]);
  }
}

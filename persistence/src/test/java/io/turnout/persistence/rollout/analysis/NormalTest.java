package io.turnout.persistence.rollout.analysis;

import static io.turnout.persistence.rollout.analysis.SpecialFunctionsTest.assertRelative;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Reference tails from mpmath's ncdf at 50 digits. */
class NormalTest {

  @ParameterizedTest
  @CsvSource({
      "0, 0.5",
      "0.5, 0.30853753872598689636",
      "1, 0.15865525393145705141",
      "1.959963984540054, 0.025000000000000013765",
      "2.5, 0.006209665325776135167",
      "2.999, 0.0013543365337271066511",
      "3, 0.0013498980316300945267",
      "3.001, 0.001345472825084965989",
      "5, 2.8665157187919391167e-7",
      "8, 6.2209605742717841235e-16",
      "10, 7.6198530241605260704e-24",
      "20, 2.7536241186062336951e-89",
      "37, 5.7255712225245768227e-300"})
  void upperTailKeepsItsRelativePrecision(double x, double expected) {
    assertRelative(expected, Normal.upperTail(x), 1e-13);
    assertRelative(expected, Normal.cdf(-x), 1e-13);
  }

  @Test
  void cdfAndTwoSidedP() {
    assertRelative(0.933192798731141934, Normal.upperTail(-1.5), 1e-15);
    assertRelative(1 - 0.15865525393145705141, Normal.cdf(1), 1e-15);
    assertRelative(0.05, Normal.twoSidedP(-1.959963984540054), 1e-14);
    assertEquals(1, Normal.twoSidedP(0));
    assertEquals(0, Normal.upperTail(Double.POSITIVE_INFINITY));
    assertEquals(1, Normal.cdf(Double.POSITIVE_INFINITY));
    assertTrue(Double.isNaN(Normal.cdf(Double.NaN)));
  }

  @Test
  void textbookQuantiles() {
    assertEquals(1.959963984540054, Normal.quantile(0.975), 1e-15);
    assertEquals(1.6448536269514722, Normal.quantile(0.95), 1e-15);
    assertEquals(2.5758293035489004, Normal.quantile(0.995), 1e-15);
    assertEquals(-2.3263478740408408, Normal.quantile(0.01), 1e-15);
    assertEquals(0, Normal.quantile(0.5));
    assertEquals(Double.NEGATIVE_INFINITY, Normal.quantile(0));
    assertEquals(Double.POSITIVE_INFINITY, Normal.quantile(1));
    assertTrue(Double.isNaN(Normal.quantile(1.5)));
  }

  @ParameterizedTest
  @ValueSource(doubles = {1e-300, 1e-100, 1e-20, 1e-8, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97575, 0.999})
  void theQuantileInvertsTheCdf(double p) {
    // An error δ in x moves the tail by about x·δ relatively: 37 · 37 · 1e-16 at 1e-300.
    double x = Normal.quantile(p);
    assertRelative(p, Normal.cdf(x), 1e-12);
    assertRelative(1 - p, Normal.upperTail(x), 1e-12);
  }
}

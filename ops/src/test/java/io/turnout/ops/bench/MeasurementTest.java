package io.turnout.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class MeasurementTest {

  @Test
  void survivesTheTripThroughOneLine() {
    Measurement m = new Measurement("ceiling", 16, 123_456, 2, 12_345.678, 0.035, 1.25, 81.5, 0.02);

    assertEquals(m, Measurement.parseLine(m.toLine()));
  }

  @Test
  void otherLinesAreNotMeasurements() {
    assertFalse(Measurement.isLine("I0000 00:00:1795954990 mlir_graph_optimization_pass.cc"));
  }
}

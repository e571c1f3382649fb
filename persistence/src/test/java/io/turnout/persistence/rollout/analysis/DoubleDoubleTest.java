package io.turnout.persistence.rollout.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

class DoubleDoubleTest {
  static BigDecimal exact(DoubleDouble value) {
    return new BigDecimal(value.hi()).add(new BigDecimal(value.lo()));
  }

  @Test
  void keepsWhatADoubleWouldRoundAway() {
    DoubleDouble almostOne = DoubleDouble.difference(1, 1e-20);
    assertEquals(1.0, almostOne.value());
    assertEquals(0, exact(almostOne).compareTo(BigDecimal.ONE.subtract(new BigDecimal(1e-20))));
    assertEquals(-1e-20, almostOne.plus(-1).value(), 1e-36);
  }

  @Test
  void productsAndQuotientsToAbout32Digits() {
    DoubleDouble third = DoubleDouble.ONE.dividedBy(DoubleDouble.of(3));
    BigDecimal error = exact(third.times(DoubleDouble.of(3))).subtract(BigDecimal.ONE).abs();
    assertTrue(error.compareTo(new BigDecimal("1e-31")) < 0, error.toString());
    DoubleDouble x = DoubleDouble.difference(1, 3e-9);
    BigDecimal expected = exact(x).multiply(exact(x)).divide(new BigDecimal("7.25"), MathContext.DECIMAL128);
    BigDecimal actual = exact(x.times(x).dividedBy(DoubleDouble.of(7.25)));
    assertTrue(actual.subtract(expected).abs().compareTo(new BigDecimal("1e-31")) < 0, actual + " vs " + expected);
  }
}

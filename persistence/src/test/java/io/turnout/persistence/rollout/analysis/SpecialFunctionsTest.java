package io.turnout.persistence.rollout.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Reference values from mpmath at 40 digits (loggamma, log(beta), betainc(regularized=True)), at
 * the double nearest each decimal argument: I_x(2e5, 1/2) near x = 0.99999 moves by 1e-11 between
 * the two.
 */
class SpecialFunctionsTest {

  static void assertRelative(double expected, double actual, double tolerance) {
    double error = expected == 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
    assertTrue(error <= tolerance, "expected " + expected + ", got " + actual + " (relative error " + error + ")");
  }

  @ParameterizedTest
  @CsvSource({
      "1e-10, 23.025850929882735274",
      "0.1, 2.2527126517342059599",
      "0.5, 0.57236494292470008707",
      "1.5, -0.12078223763524522235",
      "3.7, 1.4280723266653879219",
      "9.99, 12.77931521435019288",
      "10, 12.801827480081469611",
      "25.5, 56.389167643719946744",
      "171.3, 708.11494703899682429",
      "1e6, 12815504.56914761166",
      "1e15, 33538776394910668.91"})
  void logGamma(double x, double expected) {
    // Absolute near its zeros at 1 and 2, relative elsewhere: what the exponent of a sum needs.
    assertEquals(expected, SpecialFunctions.logGamma(x), 1e-14 * Math.max(1, Math.abs(expected)));
  }

  @Test
  void logGammaIsZeroAtOneAndTwoAndUndefinedBelowZero() {
    assertEquals(0, SpecialFunctions.logGamma(1), 1e-14);
    assertEquals(0, SpecialFunctions.logGamma(2), 1e-14);
    assertTrue(Double.isNaN(SpecialFunctions.logGamma(0)));
    assertTrue(Double.isNaN(SpecialFunctions.logGamma(-1.5)));
  }

  @ParameterizedTest
  @CsvSource({
      "0.5, 0.5, 1.1447298858494001741",
      "2.5, 0.5, 0.16390063283767393729",
      "5, 0.5, -0.20739519434607058716",
      "50, 0.5, -1.3811466014510411259",
      "5e5, 0.5, -5.9888164957774643103",
      "1e8, 0.5, -8.637975427801482649",
      "30, 40, -48.301749095916125196",
      "1e-3, 1e3, 6.900271629687954954",
      "12.3, 9.1, -14.4894668691198035"})
  void logBetaKeepsItsPrecisionWithOneHugeArgument(double a, double b, double expected) {
    assertRelative(expected, SpecialFunctions.logBeta(a, b), 1e-13);
    assertRelative(expected, SpecialFunctions.logBeta(b, a), 1e-13);
  }

  @ParameterizedTest
  @CsvSource({
      "0.3, 2, 3, 0.3483",
      "0.5, 0.5, 0.5, 0.5",
      "0.9, 8.85, 0.5, 0.17809770208890078472",
      "0.001, 5, 0.5, 2.4619635502857134989e-16",
      "0.999, 25, 0.5, 0.82388779780630325259",
      "0.2, 100, 1.5, 1.2857582524780240879e-69",
      "0.75, 3.3, 7.7, 0.9991736438983863148",
      "0.99999, 2e5, 0.5, 0.045499858963377759665",
      "1e-30, 3, 0.5, 3.125e-91"})
  void regularizedIncompleteBeta(double x, double a, double b, double expected) {
    assertRelative(expected, SpecialFunctions.regularizedBeta(x, a, b), 1e-13);
  }

  @Test
  void theComplementIsComputedDirectlyWhereItIsSmall() {
    // 1 - I_0.999(25, 0.5) = I_0.001(0.5, 25); the complement of a near-1 value keeps its digits.
    double small = SpecialFunctions.regularizedBeta(1e-30, 1 - 1e-30, 3, 0.5, false);
    assertRelative(3.125e-91, small, 1e-11);
    assertRelative(3.125e-91, SpecialFunctions.regularizedBeta(1 - 1e-30, 1e-30, 0.5, 3, true), 1e-11);
    assertRelative(1 - 0.82388779780630325259,
        SpecialFunctions.regularizedBeta(0.999, 0.001, 25, 0.5, true), 1e-12);
  }

  @Test
  void closedFormsAndBounds() {
    // I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b
    assertRelative(Math.pow(0.37, 2.7), SpecialFunctions.regularizedBeta(0.37, 2.7, 1), 1e-13);
    assertRelative(1 - Math.pow(1 - 0.37, 4.2), SpecialFunctions.regularizedBeta(0.37, 1, 4.2), 1e-13);
    assertEquals(0, SpecialFunctions.regularizedBeta(0, 2, 3));
    assertEquals(1, SpecialFunctions.regularizedBeta(1, 2, 3));
    assertTrue(Double.isNaN(SpecialFunctions.regularizedBeta(1.5, 2, 3)));
    assertTrue(Double.isNaN(SpecialFunctions.regularizedBeta(0.5, 0, 3)));
  }
}

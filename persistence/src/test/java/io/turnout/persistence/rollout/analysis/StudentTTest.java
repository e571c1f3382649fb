package io.turnout.persistence.rollout.analysis;

import static io.turnout.persistence.rollout.analysis.SpecialFunctionsTest.assertRelative;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reference values from mpmath at 50 digits (betainc for the tails, bisection to 60 digits for
 * quantiles), at the doubles nearest the decimal arguments.
 */
class StudentTTest {

  @ParameterizedTest
  @CsvSource({
      "2.0, 1, 0.29516723530086654835, 0.85241638234956672582",
      "2.0, 2, 0.18350341907227396727, 0.90824829046386301637",
      "1.8608, 17.776, 0.079396578139779812035, 0.96030171093011009398",
      "-2.262157, 9, 0.050000013304431675747, 0.025000006652215837874",
      "0.001, 3.5, 0.99925645547186676941, 0.5003717722640666153",
      "5, 30, 0.000023296685467007795133, 0.9999883516572664961",
      "10, 4.5, 0.00030528057568339576197, 0.99984735971215830212",
      "40, 7.25, 9.0008568209417415966e-10, 0.99999999954995715895",
      "2, 1e6, 0.045500533851319208421, 0.97724973307434039579",
      "3, 2.5e7, 0.0026997987223699329027, 0.99865010063881503355",
      "1e-8, 12, 0.99999999218547389554, 0.50000000390726305223",
      "0.3, 0.5, 0.84485915213049081472, 0.57757042393475459264"})
  void twoSidedPAndCdf(double t, double dof, double twoSided, double cdf) {
    assertRelative(twoSided, StudentT.twoSidedP(t, dof), 1e-11);
    assertRelative(twoSided, StudentT.twoSidedP(-t, dof), 1e-11);
    assertRelative(cdf, StudentT.cdf(t, dof), 1e-12);
    assertRelative(twoSided / 2, StudentT.cdf(-Math.abs(t), dof), 1e-11);
    assertRelative(twoSided / 2, StudentT.upperTail(Math.abs(t), dof), 1e-11);
  }

  /**
   * Many degrees of freedom put x = ν/(ν + t²) next to 1, where the continued fraction cancels in
   * doubles (in doubles it lost 4e-11 at the last point) and
   * a · ln x needs ln(1 - y).
   */
  @ParameterizedTest
  @CsvSource({
      "5.059976322870003, 109279.89477136562, 4.1998619953193283062e-7, 1e-12",
      "2, 2e5, 0.0455016136737268996, 1e-13",
      "0.5, 5e7, 0.61707507965238207819, 1e-13",
      "15.965655865732941, 4.386277206006272, 0.000047133163303673679827, 1e-13",
      "20.396023080919964, 86420943.51765506, 1.8147213765978960003e-92, 1e-12"})
  void manyDegreesOfFreedom(double t, double dof, double twoSided, double tolerance) {
    assertRelative(twoSided, StudentT.twoSidedP(t, dof), tolerance);
  }

  /** 400 random points, ν from 0.32 to 1e9 and t from 1e-6 to 316; the file says how they were made. */
  @ParameterizedTest
  @CsvFileSource(resources = "student-t-two-sided.csv")
  void randomPointsAgainstMpmath(double t, double dof, double twoSided) {
    // A tail of 1e-274 is exp(-630): its exponent's rounding alone is 630 · 1e-16 relatively.
    assertRelative(twoSided, StudentT.twoSidedP(t, dof), Math.max(5e-14, 5e-16 * Math.abs(Math.log(twoSided))));
  }

  @Test
  void closedFormsForOneAndTwoDegreesOfFreedom() {
    for (double t : new double[] {-30, -2, -0.4, 0, 0.1, 1, 3.5, 100}) {
      assertRelative(0.5 + Math.atan(t) / Math.PI, StudentT.cdf(t, 1), 1e-13); // Cauchy
      assertRelative(0.5 + t / (2 * Math.sqrt(2 + t * t)), StudentT.cdf(t, 2), 1e-13);
    }
  }

  @Test
  void tinyTailsKeepTheirDigits() {
    // P(T > t) for ν = 1 is atan(1/t)/π; at t = 1e6 that is 3.18e-7, not 1 - 0.99999968.
    assertRelative(Math.atan(1e-6) / Math.PI, StudentT.upperTail(1e6, 1), 1e-12);
    assertEquals(0, StudentT.upperTail(Double.POSITIVE_INFINITY, 3));
    assertEquals(1, StudentT.twoSidedP(0, 3));
  }

  @ParameterizedTest
  @CsvSource({
      "0.975, 1, 12.706204736174693314",
      "0.975, 2, 4.3026527297494617894",
      "0.975, 3, 3.1824463052837084359",
      "0.975, 9, 2.2621571627982049992",
      "0.975, 30, 2.0422724563012378878",
      "0.975, 17.776, 2.1028213103802212335",
      "0.995, 4.5, 4.2728239930112920077",
      "0.9999999, 3, 222.57159098625124254",
      "0.6, 0.7, 0.35603136523468031494",
      "1e-12, 5, -393.95695957760376867",
      "0.025, 1e7, -1.9599642217672054904",
      "1e-300, 3, -1.0331108360446529096e+100"})
  void quantiles(double p, double dof, double expected) {
    assertRelative(expected, StudentT.quantile(p, dof), 1e-13);
  }

  @Test
  void quantileEdges() {
    assertEquals(0, StudentT.quantile(0.5, 7));
    assertEquals(Double.POSITIVE_INFINITY, StudentT.quantile(1, 7));
    assertTrue(Double.isNaN(StudentT.quantile(0.5, 0)));
    assertTrue(Double.isNaN(StudentT.cdf(1, -2)));
    assertEquals(Normal.quantile(0.975), StudentT.quantile(0.975, 1e12));
  }
}

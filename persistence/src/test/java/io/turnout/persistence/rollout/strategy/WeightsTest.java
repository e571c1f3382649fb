package io.turnout.persistence.rollout.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightsTest {

  @Test
  void sharesAreProportionalToCountsInTheGivenOrder() {
    assertEquals(List.of(new WeightedVersion(2, 2500), new WeightedVersion(1, 7500)),
        Weights.proportional(List.of(2L, 1L), Map.of(2L, 1, 1L, 3)));
  }

  @Test
  void leftoverBasisPointsGoToTheLargestRemainders() {
    // 1 : 2 is 3333.33 : 6666.67; the one basis point left goes to the larger remainder.
    assertEquals(List.of(new WeightedVersion(2, 3333), new WeightedVersion(1, 6667)),
        Weights.proportional(List.of(2L, 1L), Map.of(2L, 1, 1L, 2)));
    // 1 : 1 : 1 ties on remainders; the earlier version gets the basis point.
    assertEquals(List.of(new WeightedVersion(3, 3334), new WeightedVersion(2, 3333), new WeightedVersion(1, 3333)),
        Weights.proportional(List.of(3L, 2L, 1L), Map.of(1L, 1, 2L, 1, 3L, 1)));
  }

  @Test
  void sharesAlwaysAddUpToAllTraffic() {
    for (int a = 0; a <= 40; a++) {
      for (int b = 0; b <= 40; b++) {
        for (int c = 0; c <= 7; c++) {
          if (a + b + c == 0) continue;
          List<WeightedVersion> weights = Weights.proportional(List.of(1L, 2L, 3L), Map.of(1L, a, 2L, b, 3L, c));
          assertEquals(RoutingTable.ALL, weights.stream().mapToInt(WeightedVersion::basisPoints).sum(),
              "counts " + a + ", " + b + ", " + c);
          double exact = (double) a * RoutingTable.ALL / (a + b + c);
          assertEquals(exact, weights.get(0).basisPoints(), 1.0, "counts " + a + ", " + b + ", " + c);
        }
      }
    }
  }

  @Test
  void aMissingCountIsZero() {
    assertEquals(List.of(new WeightedVersion(2, 0), new WeightedVersion(1, RoutingTable.ALL)),
        Weights.proportional(List.of(2L, 1L), Map.of(1L, 3)));
  }

  @Test
  void nothingToShareByIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Weights.proportional(List.of(2L, 1L), Map.of()));
  }
}

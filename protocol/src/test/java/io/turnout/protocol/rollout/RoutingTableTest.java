package io.turnout.protocol.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
  private static final Function<String, String> NO_HEADERS = name -> null;

  private static RoutingTable canary(int targetBasisPoints) {
    return new RoutingTable("iris", 1, 1,
        List.of(new WeightedVersion(2, targetBasisPoints), new WeightedVersion(1, RoutingTable.ALL - targetBasisPoints)),
        List.of(), "X-User-Id");
  }

  private static Function<String, String> user(String id) {
    return name -> name.equalsIgnoreCase("X-User-Id") ? id : null;
  }

  @Test
  void raisingACanaryWeightOnlyAddsUsersToTheCanary() {
    int[] steps = {500, 2500, 5000, 10_000};
    for (int u = 0; u < 5_000; u++) {
      String id = "user-" + u;
      boolean sawCanary = false;
      for (int step : steps) {
        boolean onCanary = canary(step).route(user(id), "10.0.0.1") == 2;
        assertTrue(!sawCanary || onCanary, id + " left the canary when its weight rose to " + step);
        sawCanary |= onCanary;
      }
    }
  }

  @Test
  void bucketsSpreadUsersEvenly() {
    int onCanary = 0;
    for (int u = 0; u < 20_000; u++) if (canary(2500).route(user("u" + u), "") == 2) onCanary++;
    assertEquals(0.25, onCanary / 20_000.0, 0.02);
  }

  @Test
  void theStickyKeyFallsBackToTheClientAddress() {
    RoutingTable table = canary(5000);
    long first = table.route(NO_HEADERS, "192.0.2.7");
    for (int i = 0; i < 10; i++) assertEquals(first, table.route(NO_HEADERS, "192.0.2.7"));
  }

  @Test
  void targetingRulesComeBeforeWeights() {
    RoutingTable table = new RoutingTable("iris", 3, 1, List.of(new WeightedVersion(1, RoutingTable.ALL)),
        List.of(new TargetingRule("X-Turnout-Preview", Set.of(), 2), new TargetingRule("X-Country", Set.of("NL", "BE"), 3)),
        "");
    assertEquals(2, table.route(Map.of("X-Turnout-Preview", "yes")::get, ""));
    assertEquals(3, table.route(Map.of("X-Country", "NL")::get, ""));
    assertEquals(1, table.route(Map.of("X-Country", "FR")::get, ""));
    assertEquals(1, table.route(NO_HEADERS, ""));
  }

  @Test
  void weightsMustAddUpToAllTraffic() {
    assertThrows(IllegalArgumentException.class, () -> new RoutingTable("iris", 1, 1,
        List.of(new WeightedVersion(1, 5000), new WeightedVersion(2, 4000)), List.of(), ""));
  }

  @Test
  void latencyQuantilesAreWithinTheBucketResolution() {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    for (long micros = 100; micros <= 10_000; micros += 100) counts[LatencyHistogram.bucketOf(micros)]++;
    LatencyHistogram histogram = new LatencyHistogram(counts);
    assertEquals(9_900, histogram.quantileMicros(0.99), 9_900 * 0.05);
    assertEquals(5_000, histogram.quantileMicros(0.50), 5_000 * 0.05);
    assertEquals(200, histogram.plus(histogram).total());
  }
}

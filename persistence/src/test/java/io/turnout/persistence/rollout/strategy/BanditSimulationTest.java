package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.IRIS;
import static io.turnout.persistence.rollout.strategy.Fixtures.STABLE;
import static io.turnout.persistence.rollout.strategy.Fixtures.T0;
import static io.turnout.persistence.rollout.strategy.Fixtures.TARGET;
import static io.turnout.persistence.rollout.strategy.Fixtures.allReady;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.rollout.BanditPolicy;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two arms with true reward rates 0.80 and 0.97 (the Iris v1 and v2 accuracies) under each policy,
 * without HTTP or actors: 20 000 requests drawn from the routing table the strategy asks for, a 0/1
 * reward per request, and a reallocation every 200 requests through the strategy, as the coordinator
 * would do every interval. Seeded, so the table it prints is the same on every run.
 */
class BanditSimulationTest {
  private static final int REQUESTS = 20_000;
  private static final int PER_INTERVAL = 200;
  private static final int LAST = 5_000;
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  private static final Map<Long, Double> RATE = Map.of(STABLE, 0.80, TARGET, 0.97);
  private static final double BEST = 0.97;
  /** The gate never judges here: the simulation is about rewards. */
  private static final Gate NO_GATE = new Gate(Long.MAX_VALUE, 1, 1000);

  record Run(String policy, double regret, double lastShareToBest, int untilNinetyPercent, int autoPromotedAt) {}

  @Test
  void everyPolicyFindsTheBetterArmWithLessRegretThanAFixedSplit() {
    Run fixed = fixedSplit();
    // At a 5 % floor the floor is most of every policy's exploration; at 1 % the policies show.
    for (int floor : new int[] {500, 100}) {
      List<Run> runs = new ArrayList<>();
      for (BanditPolicy policy : BanditPolicy.values()) runs.add(simulate(policy, floor));

      System.out.println();
      System.out.printf(Locale.ROOT, "Bandit simulation: true rates v1 0.80, v2 0.97; %d requests, reallocation every %d,"
          + " floor %d %%, epsilon 0.1, seed 2026%n", REQUESTS, PER_INTERVAL, floor / 100);
      System.out.printf("%-16s %8s %18s %28s %28s%n", "policy", "regret", "last 5000 to v2", "requests until >= 90 % v2",
          "auto-promotion (0.95, 200)");
      for (Run run : runs) print(run);
      print(fixed);

      for (Run run : runs) {
        assertTrue(run.lastShareToBest() > 0.5, run + ": most of the last " + LAST + " requests go to the better arm");
        assertTrue(run.regret() < fixed.regret(), run + ": less regret than " + fixed);
      }
    }
  }

  private static void print(Run run) {
    System.out.printf(Locale.ROOT, "%-16s %8.1f %17.1f%% %28s %28s%n", run.policy(), run.regret(), 100 * run.lastShareToBest(),
        run.untilNinetyPercent() < 0 ? "never" : Integer.toString(run.untilNinetyPercent()),
        run.autoPromotedAt() < 0 ? "never" : "at request " + run.autoPromotedAt());
  }

  private static Run simulate(BanditPolicy policy, int floorBasisPoints) {
    PhaseStrategy bandit = PhaseStrategy.of(new PhaseSpec.Bandit(List.of(), policy, 0.1, INTERVAL, floorBasisPoints, 0, 0,
        NO_GATE));
    // The same phase with auto-promotion on, asked alongside: when would it have promoted v2?
    PhaseStrategy promoting = PhaseStrategy.of(new PhaseSpec.Bandit(List.of(), policy, 0.1, INTERVAL,
        floorBasisPoints, 0.95, 200, NO_GATE));
    SplittableRandom random = new SplittableRandom(2026);
    PhaseProgress progress = bandit.start(T0);
    Instant now = T0;
    Map<Long, long[]> window = new HashMap<>();
    double regret = 0;
    int lastToBest = 0;
    int untilNinety = -1;
    int promotedAt = -1;
    RoutingTable table = RoutingTables.of(IRIS, 1, bandit.traffic(IRIS, progress, allReady()));
    for (int request = 0; request < REQUESTS; request++) {
      if (request > 0 && request % PER_INTERVAL == 0) {
        now = now.plus(INTERVAL);
        Observation observation = new Observation(now, windows(window), allReady());
        if (promotedAt < 0 && promoting.decide(IRIS, progress, observation) instanceof Decision.Complete) promotedAt = request;
        progress = assertInstanceOf(Decision.Reallocate.class, bandit.decide(IRIS, progress, observation)).next();
        window.clear();
        table = RoutingTables.of(IRIS, 1, bandit.traffic(IRIS, progress, allReady()));
      }
      if (untilNinety < 0 && table.weightOf(TARGET) >= 9_000) untilNinety = request;
      // A bandit's table is drawn per request: the same draw the edge makes, from a seeded generator.
      long arm = table.versionAt(random.nextInt(RoutingTable.ALL));
      long reward = random.nextDouble() < RATE.get(arm) ? 1 : 0;
      long[] counts = window.computeIfAbsent(arm, a -> new long[2]);
      counts[0]++;
      counts[1] += reward;
      regret += BEST - RATE.get(arm);
      if (request >= REQUESTS - LAST && arm == TARGET) lastToBest++;
    }
    return new Run(policy.wireName(), regret, (double) lastToBest / LAST, untilNinety, promotedAt);
  }

  private static Run fixedSplit() {
    SplittableRandom random = new SplittableRandom(2026);
    double regret = 0;
    int lastToBest = 0;
    for (int request = 0; request < REQUESTS; request++) {
      long arm = random.nextInt(RoutingTable.ALL) < 5_000 ? STABLE : TARGET;
      regret += BEST - RATE.get(arm);
      if (request >= REQUESTS - LAST && arm == TARGET) lastToBest++;
    }
    return new Run("fixed 50/50", regret, (double) lastToBest / LAST, -1, -1);
  }

  /** What an edge would report: requests and 0/1 rewards per arm, every reward posted at once. */
  private static Map<Long, VersionWindow> windows(Map<Long, long[]> counts) {
    Map<Long, VersionWindow> windows = new HashMap<>();
    counts.forEach((arm, c) -> windows.put(arm, new VersionWindow(c[0], 0, LatencyHistogram.empty(),
        new RewardStats(c[0], c[1], c[1]), ShadowStats.none())));
    return windows;
  }
}

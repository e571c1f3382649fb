package io.turnout.persistence.rollout.bandit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Each policy's allocation for known reward counts, the floors, and when an arm wins. */
class BanditPoliciesTest {
  private static final SplittableRandom UNUSED = new SplittableRandom(0);

  /** {@code successes} rewards of 1 and the rest 0 among {@code count}. */
  static Arm binary(long version, long successes, long count) {
    return new Arm(version, new RewardStats(count, successes, successes));
  }

  /** {@code count} real-valued rewards with this mean and sample variance. */
  static Arm real(long version, long count, double mean, double variance) {
    return new Arm(version, new RewardStats(count, mean * count, variance * (count - 1) + count * mean * mean));
  }

  static List<WeightedVersion> weights(long v1, int bp1, long v2, int bp2) {
    return List.of(new WeightedVersion(v1, bp1), new WeightedVersion(v2, bp2));
  }

  // ---- epsilon-greedy ----

  @Test
  void epsilonGreedyGivesTheBestMeanOneMinusEpsilonAndSpreadsEpsilon() {
    List<Arm> arms = List.of(binary(1, 80, 100), binary(2, 97, 100));

    Allocation allocation = new EpsilonGreedy(0.1).allocate(arms, 0, 200, UNUSED);

    assertEquals(weights(1, 500, 2, 9500), allocation.weights());
    assertEquals("mean reward v1 0.800 of 100, v2 0.970 of 100; epsilon 0.1", allocation.evidence());
  }

  @Test
  void epsilonGreedyOverThreeArmsAndATieForTheBest() {
    List<Arm> arms = List.of(binary(1, 50, 100), binary(2, 90, 100), binary(3, 9, 10));

    List<Double> shares = new EpsilonGreedy(0.3).shares(arms, 200, UNUSED);

    assertEquals(0.1, shares.get(0), 1e-12);
    assertEquals(0.45, shares.get(1), 1e-12);
    assertEquals(0.45, shares.get(2), 1e-12);
  }

  @Test
  void epsilonGreedyTriesAnArmWithNoRewardBeforeJudgingIt() {
    List<Arm> arms = List.of(binary(1, 80, 100), binary(2, 0, 0));

    assertEquals(weights(1, 5000, 2, 5000), new EpsilonGreedy(0.2).allocate(arms, 0, 200, UNUSED).weights());
  }

  // ---- UCB1 ----

  @Test
  void ucb1PlaysTheHorizonAheadAndSharesByRoundsWon() {
    // v1 1 of 1, v2 0 of 1. Indexes mean + sqrt(2 ln n / n_i): v1 wins rounds at n = 2, 3, 4, 5
    // (1 + sqrt(2 ln 5 / 4) = 1.897 > sqrt(2 ln 5) = 1.794), v2 the fifth (1.847 < 1.893).
    List<Arm> arms = List.of(binary(1, 1, 1), binary(2, 0, 1));

    assertEquals(List.of(1.0, 0.0), new Ucb1().shares(arms, 4, UNUSED));
    assertEquals(weights(1, 8000, 2, 2000), new Ucb1().allocate(arms, 0, 5, UNUSED).weights());
  }

  @Test
  void ucb1TriesUntriedArmsFirstAndSplitsEvenArmsEvenly() {
    assertEquals(List.of(0.5, 0.5), new Ucb1().shares(List.of(binary(1, 0, 0), binary(2, 0, 0)), 100, UNUSED));
    assertEquals(List.of(0.5, 0.5), new Ucb1().shares(List.of(binary(1, 40, 50), binary(2, 40, 50)), 100, UNUSED));
    // An untried arm takes the first round even against a perfect one.
    assertEquals(List.of(0.0, 1.0), new Ucb1().shares(List.of(binary(1, 50, 50), binary(2, 0, 0)), 1, UNUSED));
  }

  @Test
  void ucb1ExploresAnArmUntilItsBonusNoLongerMakesUpForItsMean() {
    // n = 4000, 2 ln n = 16.6: v1 (0.80 of 200) has index 0.80 + sqrt(16.6 / 200) = 1.088 against
    // v2's 1.036, so it takes rounds until its bonus falls below 0.236, at about 300 tries.
    List<Arm> underExplored = List.of(binary(1, 160, 200), binary(2, 3_686, 3_800));
    assertEquals(0.5, new Ucb1().shares(underExplored, 200, UNUSED).get(0), 0.05);

    // v1 tried 600 times: 0.80 + sqrt(16.6 / 600) = 0.966 < 0.97 + sqrt(16.6 / 3400) = 1.040: all to v2 but the floor.
    List<Arm> explored = List.of(binary(1, 480, 600), binary(2, 3_298, 3_400));
    Allocation allocation = new Ucb1().allocate(explored, 500, 200, UNUSED);

    assertEquals(weights(1, 500, 2, 9500), allocation.weights());
    assertEquals("mean reward v1 0.800 of 600, v2 0.970 of 3400; UCB v1 0.966, v2 1.040", allocation.evidence());
  }

  // ---- Thompson ----

  @Test
  void thompsonSharesAreTheProbabilityOfBeingBest() {
    // One success against one failure: Beta(2, 1) beats Beta(1, 2) with probability 5/6.
    List<Double> shares = new Thompson(40_000).shares(List.of(binary(1, 1, 1), binary(2, 0, 1)), 0, new SplittableRandom(7));

    assertEquals(5.0 / 6, shares.get(0), 0.01);
    assertEquals(1.0, shares.get(0) + shares.get(1), 1e-12);
  }

  @Test
  void thompsonWithAFixedSeedIsReproducible() {
    List<Arm> arms = List.of(binary(1, 40, 50), binary(2, 45, 50));

    Allocation first = new Thompson(Thompson.DRAWS).allocate(arms, 500, 0, new SplittableRandom(42));
    Allocation again = new Thompson(Thompson.DRAWS).allocate(arms, 500, 0, new SplittableRandom(42));
    Allocation otherSeed = new Thompson(Thompson.DRAWS).allocate(arms, 500, 0, new SplittableRandom(43));

    assertEquals(first, again);
    assertNotEquals(first.shares(), otherSeed.shares());
    // 0.8 of 50 against 0.9 of 50: v2 is best with probability about 0.92.
    assertEquals(0.92, first.shares().get(1), 0.02);
    assertTrue(first.evidence().startsWith("P(best) v1 0.0"), first.evidence());
    assertTrue(first.evidence().endsWith("mean reward v1 0.800 of 50, v2 0.900 of 50"), first.evidence());
  }

  @Test
  void thompsonReadsRealValuedRewardsWithANormalPosterior() {
    // Means 0 and 0.2, variance 1, 100 rewards each: P(v2 best) = Phi(0.198 / 0.1407) = 0.92.
    List<Arm> arms = List.of(real(1, 100, 0.0, 1.0), real(2, 100, 0.2, 1.0));
    assertEquals(RewardKind.REAL, RewardKind.of(arms));

    List<Double> shares = new Thompson(40_000).shares(arms, 0, new SplittableRandom(3));

    assertEquals(0.92, shares.get(1), 0.01);
  }

  @Test
  void thompsonSplitsEvenlyBetweenArmsItCannotTellApart() {
    List<Double> none = new Thompson(20_000).shares(List.of(binary(1, 0, 0), binary(2, 0, 0)), 0, new SplittableRandom(5));
    List<Double> constant = new Thompson(20_000).shares(List.of(real(1, 10, 0.7, 0), real(2, 10, 0.7, 0)), 0,
        new SplittableRandom(5));

    assertEquals(0.5, none.get(0), 0.02);
    assertEquals(0.5, constant.get(0), 0.02);
  }

  // ---- floors ----

  @Test
  void floorsLiftArmsThePolicyWouldStarveAndTheLeaderKeepsTheRest() {
    assertEquals(List.of(500, 9500), list(Floors.basisPoints(List.of(0.001, 0.999), 500)));
    assertEquals(List.of(500, 500, 9000), list(Floors.basisPoints(List.of(0.0, 0.02, 0.98), 500)));
    // Above the floor, arms keep their proportions: 0.1 and 0.3 of what the floored arm leaves.
    assertEquals(List.of(1000, 2250, 6750), list(Floors.basisPoints(List.of(0.0, 0.25, 0.75), 1000)));
    assertEquals(List.of(3334, 3333, 3333), list(Floors.basisPoints(List.of(1.0 / 3, 1.0 / 3, 1.0 / 3), 0)));
    assertThrows(IllegalArgumentException.class, () -> Floors.basisPoints(List.of(0.5, 0.5, 0.0), 3400));
  }

  @Test
  void everyPolicyRespectsTheFloorAndAddsUpToTheWhole() {
    SplittableRandom random = new SplittableRandom(11);
    List<BanditAlgorithm> policies = List.of(new EpsilonGreedy(0.0), new Ucb1(), new Thompson(2_000));
    for (int trial = 0; trial < 200; trial++) {
      int k = 2 + random.nextInt(4);
      int floor = random.nextInt(RoutingTable.ALL / k + 1);
      List<Arm> arms = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        long count = random.nextInt(2_000);
        arms.add(binary(i + 1, count == 0 ? 0 : random.nextLong(count + 1), count));
      }
      for (BanditAlgorithm policy : policies) {
        Allocation allocation = policy.allocate(arms, floor, 1 + random.nextInt(500), random);
        int total = 0;
        for (WeightedVersion weight : allocation.weights()) {
          assertTrue(weight.basisPoints() >= floor, policy + " gave " + allocation.weights() + " under a floor of " + floor);
          total += weight.basisPoints();
        }
        assertEquals(RoutingTable.ALL, total, policy + ": " + allocation.weights());
      }
    }
  }

  // ---- auto-promotion ----

  @Test
  void thompsonPromotesOnlyOnceTheProbabilityOfBeingBestReachesTheThreshold() {
    List<Arm> arms = List.of(binary(1, 40, 50), binary(2, 45, 50)); // P(v2 best) about 0.92
    Thompson thompson = new Thompson(Thompson.DRAWS);
    Allocation allocation = thompson.allocate(arms, 0, 0, new SplittableRandom(42));

    assertEquals(Optional.empty(), thompson.winner(arms, allocation, 0.95, 50));
    Winner winner = thompson.winner(arms, allocation, 0.9, 50).orElseThrow();
    assertEquals(2, winner.version());
    assertTrue(winner.evidence().startsWith("version 2's probability of being best is 0.9"), winner.evidence());
    assertEquals(Optional.empty(), thompson.winner(arms, allocation, 0.9, 51), "every arm needs minRewards");
    assertEquals(Optional.empty(), thompson.winner(arms, allocation, 0, 0), "threshold 0: never");
  }

  @Test
  void thompsonNamesStableWhenStableIsClearlyBetter() {
    List<Arm> arms = List.of(binary(1, 190, 200), binary(2, 150, 200));
    Thompson thompson = new Thompson(Thompson.DRAWS);

    Optional<Winner> winner = thompson.winner(arms, thompson.allocate(arms, 500, 0, new SplittableRandom(1)), 0.95, 200);

    assertEquals(1, winner.orElseThrow().version());
  }

  @Test
  void confidenceBoundPoliciesPromoteWhenTheLeadersLowerBoundClearsEveryUpperBound() {
    // 0.80 of 200 has a Wilson 95 % interval of [0.739, 0.850]; 0.97 of 3800 about [0.964, 0.975].
    List<Arm> separated = List.of(binary(1, 160, 200), binary(2, 3_686, 3_800));
    List<Arm> overlapping = List.of(binary(1, 8, 10), binary(2, 10, 10));
    for (BanditAlgorithm policy : List.of(new Ucb1(), new EpsilonGreedy(0.1))) {
      Allocation allocation = policy.allocate(separated, 500, 200, UNUSED);
      Winner winner = policy.winner(separated, allocation, 0.95, 200).orElseThrow();
      assertEquals(2, winner.version());
      assertTrue(winner.evidence().contains("lower 95 % bound of 0.96"), winner.evidence());
      assertTrue(winner.evidence().endsWith("(v1 0.850)"), winner.evidence());
      assertEquals(Optional.empty(), policy.winner(separated, allocation, 0.95, 201));
      assertEquals(Optional.empty(), policy.winner(overlapping, policy.allocate(overlapping, 500, 200, UNUSED), 0.95, 10));
    }
    // 0.85 of 200 against 0.92 of 3800: 95 % intervals [0.795, 0.894] and [0.911, 0.928] clear each
    // other; 99.9 % ones ([.., 0.915] and [0.905, ..]) do not.
    List<Arm> close = List.of(binary(1, 170, 200), binary(2, 3_496, 3_800));
    assertEquals(2, BanditAlgorithm.separated(close, 0.95).orElseThrow().version());
    assertEquals(Optional.empty(), BanditAlgorithm.separated(close, 0.999));
  }

  @Test
  void wilsonIntervalsAndNormalQuantilesAreTheTextbooks() {
    ConfidenceBounds.Interval interval = ConfidenceBounds.of(binary(1, 160, 200), RewardKind.BINARY, 0.95);
    assertEquals(0.7391, interval.lower(), 1e-4);
    assertEquals(0.8496, interval.upper(), 1e-4);
    assertEquals(1.959964, ConfidenceBounds.z(0.95), 1e-6);
    assertEquals(2.575829, ConfidenceBounds.z(0.99), 1e-6);
    assertEquals(-3.090232, ConfidenceBounds.normalQuantile(0.001), 1e-6);
    ConfidenceBounds.Interval real = ConfidenceBounds.of(real(1, 100, 5.0, 4.0), RewardKind.REAL, 0.95);
    assertEquals(5.0 - 1.959964 * 0.2, real.lower(), 1e-6);
  }

  @Test
  void rewardsAreBinaryOnlyWhileEveryRewardIsZeroOrOne() {
    assertEquals(RewardKind.BINARY, RewardKind.of(List.of(binary(1, 3, 10), binary(2, 0, 0))));
    assertEquals(RewardKind.REAL, RewardKind.of(List.of(binary(1, 3, 10), new Arm(2, RewardStats.of(1, 0.5)))));
    assertEquals(RewardKind.REAL, RewardKind.of(List.of(new Arm(1, RewardStats.of(2, 2)))));
  }

  private static List<Integer> list(int[] values) {
    List<Integer> list = new ArrayList<>();
    for (int value : values) list.add(value);
    return list;
  }
}

package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.IRIS;
import static io.turnout.persistence.rollout.strategy.Fixtures.STABLE;
import static io.turnout.persistence.rollout.strategy.Fixtures.STICKY;
import static io.turnout.persistence.rollout.strategy.Fixtures.T0;
import static io.turnout.persistence.rollout.strategy.Fixtures.TARGET;
import static io.turnout.persistence.rollout.strategy.Fixtures.allReady;
import static io.turnout.persistence.rollout.strategy.Fixtures.window;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.BanditPolicy;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BanditStrategyTest {
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  private static final Gate GATE = new Gate(100, 0.01, 1.5);

  private static PhaseSpec.Bandit spec(BanditPolicy policy, List<Long> arms, double threshold, long minRewards) {
    return new PhaseSpec.Bandit(arms, policy, 0.1, INTERVAL, 500, threshold, minRewards, GATE);
  }

  private static final PhaseSpec.Bandit THOMPSON = spec(BanditPolicy.THOMPSON, List.of(), 0.95, 200);
  private static final PhaseStrategy BANDIT = PhaseStrategy.of(THOMPSON);
  private static final PhaseProgress FIRST = BANDIT.start(T0);

  /** {@code requests} healthy requests (20 ms) and {@code successes} rewards of 1 among {@code rewards}. */
  private static VersionWindow rewarded(long requests, long successes, long rewards) {
    return window(requests, 0, 20_000).withRewards(new RewardStats(rewards, successes, successes));
  }

  private static Observation observe(Instant now, VersionWindow stable, VersionWindow target) {
    return new Observation(now, Map.of(STABLE, stable, TARGET, target), allReady());
  }

  @Test
  void startsWithAnEvenSplitDrawnPerRequestAndEveryArmRunning() {
    assertEquals(new PhaseProgress(0, Stage.ALLOCATING, T0, BanditProgress.FIRST), FIRST);

    Traffic traffic = BANDIT.traffic(IRIS, FIRST, allReady());

    assertEquals(List.of(new WeightedVersion(STABLE, 5000), new WeightedVersion(TARGET, 5000)), traffic.weights());
    assertTrue(traffic.perRequest());
    assertEquals(Map.of(STABLE, 3, TARGET, 2), traffic.replicas());
    // Without a sticky header, one client's requests spread over both arms.
    RoutingTable table = RoutingTables.of(IRIS, 1, traffic);
    Map<Long, Integer> seen = new HashMap<>();
    for (int i = 0; i < 2_000; i++) seen.merge(table.route(Fixtures.NO_HEADERS, "192.0.2.1"), 1, Integer::sum);
    assertEquals(0.5, seen.get(TARGET) / 2_000.0, 0.05);
  }

  @Test
  void holdsUntilTheIntervalHasPassed() {
    Decision decision = BANDIT.decide(IRIS, FIRST, observe(T0.plusSeconds(2), rewarded(100, 80, 100), rewarded(100, 97, 100)));

    assertEquals(new Decision.Hold("bandit (thompson) v1 50 %, v2 50 %: next reallocation in 3s"), decision);
  }

  @Test
  void reallocatesFromTheRewardsAndPersistsTheTotals() {
    Instant now = T0.plus(INTERVAL);
    VersionWindow stable = rewarded(120, 90, 100);
    VersionWindow target = window(110, 1, 20_000).withRewards(new RewardStats(100, 99, 99));

    Decision.Reallocate reallocate = assertInstanceOf(Decision.Reallocate.class,
        BANDIT.decide(IRIS, FIRST, observe(now, stable, target)));

    PhaseProgress next = reallocate.next();
    assertEquals(1, next.step());
    assertEquals(Stage.ALLOCATING, next.stage());
    assertEquals(now, next.startedAt());
    assertEquals(Map.of(STABLE, stable, TARGET, target), next.bandit().totals());
    // 0.90 against 0.99 of 100 each: version 2 is all but certainly better, and stable keeps its floor.
    assertEquals(List.of(new WeightedVersion(STABLE, 500), new WeightedVersion(TARGET, 9500)), next.bandit().allocation());
    assertTrue(reallocate.detail().startsWith("thompson: v1 5 %, v2 95 % (P(best) v1 0.00"), reallocate.detail());
    assertTrue(reallocate.detail().endsWith("mean reward v1 0.900 of 100, v2 0.990 of 100)"), reallocate.detail());
    assertEquals(next.bandit().allocation(), BANDIT.traffic(IRIS, next, allReady()).weights());
    // Evaluating the same snapshot again gives the same answer, Monte-Carlo draws included.
    assertEquals(reallocate, BANDIT.decide(IRIS, FIRST, observe(now, stable, target)));
  }

  @Test
  void eachReallocationAddsTheNewWindowsToTheTotals() {
    PhaseProgress second = ((Decision.Reallocate) BANDIT.decide(IRIS, FIRST,
        observe(T0.plus(INTERVAL), rewarded(50, 40, 50), rewarded(50, 45, 50)))).next();

    PhaseProgress third = ((Decision.Reallocate) BANDIT.decide(IRIS, second,
        observe(T0.plus(INTERVAL.multipliedBy(2)), rewarded(10, 8, 10), rewarded(90, 88, 90)))).next();

    assertEquals(2, third.step());
    assertEquals(rewarded(60, 48, 60), third.bandit().totalsOf(STABLE));
    assertEquals(rewarded(140, 133, 140), third.bandit().totalsOf(TARGET));
  }

  @Test
  void anIntervalWithoutRewardsHoldsTheAllocation() {
    Decision decision = BANDIT.decide(IRIS, FIRST, observe(T0.plus(INTERVAL), window(100, 0, 20_000), window(100, 0, 20_000)));

    assertEquals(new Decision.Hold("bandit (thompson) v1 50 %, v2 50 %: no rewards since the last allocation"), decision);
  }

  @Test
  void theTargetWinningCompletesThePhase() {
    PhaseProgress progress = withTotals(new RewardStats(200, 160, 160), new RewardStats(3_000, 2_910, 2_910));

    Decision decision = BANDIT.decide(IRIS, progress, observe(T0.plus(INTERVAL), rewarded(10, 8, 10), rewarded(200, 194, 200)));

    Decision.Complete complete = assertInstanceOf(Decision.Complete.class, decision);
    assertTrue(complete.cause().startsWith("bandit (thompson): version 2's probability of being best is 1.000 (threshold 0.95)"),
        complete.cause());
  }

  @Test
  void noPromotionBeforeEveryArmHasMinRewards() {
    // Stable has 199 rewards after this window: clear as the difference is, the phase goes on.
    PhaseProgress progress = withTotals(new RewardStats(189, 150, 150), new RewardStats(3_000, 2_910, 2_910));

    Decision decision = BANDIT.decide(IRIS, progress, observe(T0.plus(INTERVAL), rewarded(10, 8, 10), rewarded(200, 194, 200)));

    assertInstanceOf(Decision.Reallocate.class, decision);
  }

  @Test
  void stableWinningRollsBack() {
    PhaseProgress progress = withTotals(new RewardStats(2_000, 1_940, 1_940), new RewardStats(300, 240, 240));

    Decision decision = BANDIT.decide(IRIS, progress, observe(T0.plus(INTERVAL), rewarded(200, 194, 200), rewarded(10, 8, 10)));

    Decision.RollBack rollBack = assertInstanceOf(Decision.RollBack.class, decision);
    assertTrue(rollBack.reason().startsWith("bandit (thompson): the stable version beats the target: version 1's "
        + "probability of being best is 1.000"), rollBack.reason());
  }

  @Test
  void ucb1PromotesOnSeparatedConfidenceBounds() {
    PhaseStrategy ucb = PhaseStrategy.of(spec(BanditPolicy.UCB1, List.of(), 0.95, 200));
    PhaseProgress progress = withTotals(ucb, new RewardStats(200, 160, 160), new RewardStats(3_600, 3_492, 3_492));

    Decision decision = ucb.decide(IRIS, progress, observe(T0.plus(INTERVAL), rewarded(10, 8, 10), rewarded(200, 194, 200)));

    Decision.Complete complete = assertInstanceOf(Decision.Complete.class, decision);
    assertTrue(complete.cause().startsWith("bandit (ucb1): version 2's mean reward 0.970 has a lower 95 % bound"),
        complete.cause());
  }

  @Test
  void aThresholdOfZeroNeverEndsThePhase() {
    PhaseStrategy manual = PhaseStrategy.of(spec(BanditPolicy.EPSILON_GREEDY, List.of(), 0, 0));
    PhaseProgress progress = withTotals(manual, new RewardStats(10_000, 8_000, 8_000), new RewardStats(10_000, 9_700, 9_700));

    Decision decision = manual.decide(IRIS, progress, observe(T0.plus(INTERVAL), rewarded(10, 8, 10), rewarded(200, 194, 200)));

    Decision.Reallocate reallocate = assertInstanceOf(Decision.Reallocate.class, decision);
    assertEquals(List.of(new WeightedVersion(STABLE, 500), new WeightedVersion(TARGET, 9500)),
        reallocate.next().bandit().allocation());
    assertTrue(reallocate.detail().startsWith("epsilon-greedy: v1 5 %, v2 95 % (mean reward v1 0.800 of 10010, "),
        reallocate.detail());
  }

  @Test
  void anArmThatErrorsRollsBackWithoutWaitingForTheInterval() {
    Decision decision = BANDIT.decide(IRIS, FIRST, observe(T0.plusSeconds(1), rewarded(1_000, 800, 900),
        window(200, 20, 20_000)));

    assertEquals(new Decision.RollBack("bandit, arm version 2: error rate 10.0 % vs stable 0.0 % (max +1.0 points) "
        + "over 200 target requests"), decision);
  }

  @Test
  void anArmHeldAtItsFloorIsJudgedOverTheWholePhase() {
    // 40 requests in this interval alone would wait for the gate's 100; with the 200 counted at
    // earlier reallocations, 12 errors of 240 fail it.
    PhaseProgress floored = new PhaseProgress(7, FIRST.stage(), T0, new BanditProgress(
        List.of(new WeightedVersion(STABLE, 9500), new WeightedVersion(TARGET, 500)),
        Map.of(STABLE, rewarded(5_000, 4_000, 5_000), TARGET, window(200, 10, 20_000))));

    Decision decision = BANDIT.decide(IRIS, floored, observe(T0.plusSeconds(1), rewarded(1_000, 800, 1_000),
        window(40, 2, 20_000)));

    assertEquals(new Decision.RollBack("bandit, arm version 2: error rate 5.0 % vs stable 0.0 % (max +1.0 points) "
        + "over 240 target requests"), decision);
  }

  @Test
  void aThirdArmThatWinsRollsBackAndEveryNamedArmStopsAfterwards() {
    long challenger = 3;
    RolloutContext ctx = new RolloutContext("iris", STABLE, TARGET, STICKY, 3, 2, Map.of(challenger, 4));
    PhaseStrategy three = PhaseStrategy.of(spec(BanditPolicy.THOMPSON, List.of(STABLE, TARGET, challenger), 0.95, 100));
    PhaseProgress first = three.start(T0);
    Map<Long, Integer> ready = Map.of(STABLE, 3, TARGET, 2, challenger, 4);

    Traffic traffic = three.traffic(ctx, first, ready);
    assertEquals(List.of(new WeightedVersion(STABLE, 3334), new WeightedVersion(TARGET, 3333),
        new WeightedVersion(challenger, 3333)), traffic.weights());
    assertEquals(Map.of(STABLE, 3, TARGET, 2, challenger, 4), traffic.replicas());

    Decision decision = three.decide(ctx, first, new Observation(T0.plus(INTERVAL), Map.of(
        STABLE, rewarded(500, 400, 500), TARGET, rewarded(500, 410, 500), challenger, rewarded(500, 490, 500)), ready));
    Decision.RollBack rollBack = assertInstanceOf(Decision.RollBack.class, decision);
    assertTrue(rollBack.reason().startsWith("bandit (thompson): version 3, not the target 2, wins: "), rollBack.reason());
    assertEquals(Map.of(STABLE, 3, TARGET, 0, challenger, 0), Traffic.rolledBack(ctx).replicas());
    assertEquals(Map.of(STABLE, 0, TARGET, 2, challenger, 0), Traffic.promoted(ctx).replicas());
  }

  @Test
  void anArmWithNoReadyReplicaLendsItsShareToStable() {
    PhaseProgress progress = withTotals(new RewardStats(100, 80, 80), new RewardStats(100, 97, 97));
    PhaseProgress allocated = ((Decision.Reallocate) BANDIT.decide(IRIS, progress,
        observe(T0.plus(INTERVAL), rewarded(10, 8, 10), rewarded(10, 9, 10)))).next();

    Traffic traffic = BANDIT.traffic(IRIS, allocated, Map.of(STABLE, 3));

    assertEquals(List.of(new WeightedVersion(STABLE, 10_000), new WeightedVersion(TARGET, 0)), traffic.weights());
    assertTrue(traffic.perRequest());
  }

  private static PhaseProgress withTotals(RewardStats stable, RewardStats target) {
    return withTotals(BANDIT, stable, target);
  }

  /** The phase some reallocations in, with these rewards counted so far and an even split. */
  private static PhaseProgress withTotals(PhaseStrategy strategy, RewardStats stable, RewardStats target) {
    PhaseProgress first = strategy.start(T0);
    BanditProgress totals = new BanditProgress(List.of(new WeightedVersion(STABLE, 5000), new WeightedVersion(TARGET, 5000)),
        Map.of(STABLE, window(stable.count(), 0, 20_000).withRewards(stable),
            TARGET, window(target.count(), 0, 20_000).withRewards(target)));
    return new PhaseProgress(7, first.stage(), T0, totals);
  }
}

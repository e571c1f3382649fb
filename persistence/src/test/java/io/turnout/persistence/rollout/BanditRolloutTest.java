package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.RolloutCoordinator.Accepted;
import io.turnout.persistence.rollout.RolloutCoordinator.AllocationChanged;
import io.turnout.persistence.rollout.RolloutCoordinator.Command;
import io.turnout.persistence.rollout.RolloutCoordinator.Event;
import io.turnout.persistence.rollout.RolloutCoordinator.GateFailed;
import io.turnout.persistence.rollout.RolloutCoordinator.Promoted;
import io.turnout.persistence.rollout.RolloutCoordinator.Refusal;
import io.turnout.persistence.rollout.RolloutCoordinator.Result;
import io.turnout.persistence.rollout.RolloutCoordinator.RolledBack;
import io.turnout.persistence.rollout.RolloutCoordinator.StartRollout;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.BanditPolicy;
import io.turnout.protocol.rollout.Mirror;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.Test;

/**
 * A Thompson bandit between stable and target fed by the edges' reward windows: every interval the
 * coordinator persists the new allocation and writes it as a per-request table, and the first clear
 * winner ends the rollout.
 */
class BanditRolloutTest extends CoordinatorFixture {
  static final Duration INTERVAL = Duration.ofSeconds(5);

  static PhaseSpec.Bandit thompson(List<Long> arms) {
    return new PhaseSpec.Bandit(arms, BanditPolicy.THOMPSON, 0.1, INTERVAL, 500, 0.95, 200, GATE);
  }

  /** A bandit's table: weights drawn per request, every arm at its registered count. */
  static RoutingTable banditTable(long revision, List<WeightedVersion> weights) {
    return new RoutingTable(MODEL, revision, STABLE, weights, List.of(), STICKY, CANARY_REPLICAS, Mirror.NONE, true);
  }

  /** {@code requests} healthy requests of which {@code correct} earned a reward of 1, the rest 0. */
  static VersionWindow rewarded(long requests, long correct) {
    return healthy(requests).withRewards(new RewardStats(requests, correct, correct));
  }

  @Test
  void eachIntervalPersistsTheNewAllocationAndTheTargetWinningIsPromoted() {
    givenStartedAndReady(plan(TARGET, thompson(List.of())));
    assertEquals(banditTable(2, List.of(weight(STABLE, 5000), weight(TARGET, 5000))), coordinator.getState().table());

    // The first interval: 0.80 against 0.97 over 100 rewards each.
    report(traffic(rewarded(100, 80), rewarded(100, 97)), ALL_READY);
    clock.advance(INTERVAL);
    Instant first = clock.instant();
    var result = evaluate();

    assertEquals(List.of(AllocationChanged.class, WeightsChanged.class), kinds(result.events()));
    AllocationChanged changed = (AllocationChanged) result.events().get(0);
    assertEquals(GATE_ACTOR, changed.by());
    PhaseProgress progress = changed.progress();
    assertEquals(new PhaseProgress(1, Stage.ALLOCATING, first, progress.bandit()), progress);
    assertEquals(Map.of(STABLE, rewarded(100, 80), TARGET, rewarded(100, 97)), progress.bandit().totals());
    List<WeightedVersion> allocation = List.of(weight(STABLE, 500), weight(TARGET, 9500));
    assertEquals(allocation, progress.bandit().allocation());
    assertTrue(changed.detail().startsWith("thompson: v1 5 %, v2 95 % (P(best) v1 0.000, v2 1.000"), changed.detail());
    assertEquals(new WeightsChanged(banditTable(3, allocation), GATE_ACTOR, "reallocated", first), result.events().get(1));
    assertEquals(progress, result.state().active().progress());
    assertEquals(banditTable(3, allocation), assertOneTablePublished(result));
    assertEquals(Map.of(), status().sinceStep(), "the next interval starts empty");

    // Before the interval is over nothing changes, whatever arrives.
    report(traffic(rewarded(10, 8), rewarded(190, 184)), ALL_READY);
    clock.advance(INTERVAL.minusSeconds(1));
    RolloutState waiting = coordinator.getState();
    assertNothingHappened(waiting, evaluate());
    assertTrue(status().lastDecision().contains("next reallocation in 1s"), status().lastDecision());

    // Intervals go on until stable has its 200 rewards: then version 2 is promoted on its own.
    clock.advance(Duration.ofSeconds(1));
    var next = evaluate();
    assertEquals(List.of(AllocationChanged.class), kinds(next.events()), "the same weights need no new table");
    assertEquals(List.of(), published.take());
    int intervals = 2;
    while (coordinator.getState().rolling()) {
      report(traffic(rewarded(10, 8), rewarded(190, 184)), ALL_READY);
      clock.advance(INTERVAL);
      result = evaluate();
      assertTrue(++intervals < 20, "no promotion after " + intervals + " intervals");
    }
    assertEquals(List.of(Promoted.class, WeightsChanged.class), kinds(result.events()));
    Promoted promoted = (Promoted) result.events().get(0);
    assertEquals(TARGET, promoted.version());
    assertTrue(promoted.cause().startsWith("bandit (thompson): version 2's probability of being best is 1.000"),
        promoted.cause());
    assertTrue(promoted.cause().contains("mean reward v1 0.800 of 200"), promoted.cause());
    assertEquals(11, intervals, "stable has 100 rewards after the first interval and 10 more each");
    assertEquals(promotedTable(coordinator.getState().revision()), assertOneTablePublished(result));
  }

  @Test
  void theStableVersionWinningRollsBack() {
    givenStartedAndReady(plan(TARGET, thompson(List.of())));

    report(traffic(rewarded(300, 291), rewarded(300, 240)), ALL_READY);
    clock.advance(INTERVAL);
    var result = evaluate();

    assertEquals(List.of(GateFailed.class, RolledBack.class, WeightsChanged.class), kinds(result.events()));
    RolledBack rolledBack = (RolledBack) result.events().get(1);
    assertTrue(rolledBack.reason().startsWith("bandit (thompson): the stable version beats the target: version 1's "
        + "probability of being best is 1.000"), rolledBack.reason());
    assertFalse(result.state().rolling());
    assertEquals(rolledBackTable(3), assertOneTablePublished(result));
  }

  @Test
  void anArmFailingTheGateRollsBackBeforeTheInterval() {
    givenStartedAndReady(plan(TARGET, thompson(List.of())));

    report(traffic(rewarded(1_000, 800), window(200, 30, 20_000)), ALL_READY);
    var result = evaluate();

    assertEquals(List.of(GateFailed.class, RolledBack.class, WeightsChanged.class), kinds(result.events()));
    assertTrue(((GateFailed) result.events().get(0)).reason().startsWith("bandit, arm version 2: error rate 15.0 %"),
        result.events().get(0).detail());
  }

  @Test
  void aThirdArmRunsDuringThePhaseAndStopsWithTheRollback() {
    long challenger = 3;
    report(Map.of(), STABLE_READY);
    assertInstanceOf(Accepted.class,
        startWithArms(plan(TARGET, thompson(List.of(STABLE, TARGET, challenger))), Map.of(challenger, 2)).reply());
    Map<Long, Integer> ready = Map.of(STABLE, STABLE_REPLICAS, TARGET, TARGET_REPLICAS, challenger, 2);
    report(Map.of(), ready);
    RoutingTable table = evaluate().state().table();
    assertEquals(List.of(weight(STABLE, 3334), weight(TARGET, 3333), weight(challenger, 3333)), table.weights());
    assertEquals(Map.of(STABLE, STABLE_REPLICAS, TARGET, TARGET_REPLICAS, challenger, 2), table.replicas());

    var aborted = abort(BOB, "enough");

    assertEquals(Map.of(STABLE, STABLE_REPLICAS, TARGET, 0, challenger, 0), aborted.state().table().replicas());
  }

  @Test
  void aBanditWhoseArmsLeaveOutTheTargetIsRefused() {
    assertRefused(Refusal.INVALID, "leave out the target version 2",
        () -> startWithArms(plan(TARGET, thompson(List.of(STABLE, 3L))), Map.of(3L, 1)));
  }

  /** Alice starts {@code plan}, whose phases name versions besides stable and target with these replica counts. */
  CommandResultWithReply<Command, Event, RolloutState, Result> startWithArms(RolloutPlan plan,
      Map<Long, Integer> armReplicas) {
    return coordinator.runCommand(replyTo -> new StartRollout(plan, STABLE, STABLE_REPLICAS, TARGET_REPLICAS, armReplicas,
        ALICE, replyTo));
  }

  @Test
  void theAllocationAndTotalsSurviveARestart() {
    givenStartedAndReady(plan(TARGET, thompson(List.of())));
    report(traffic(rewarded(100, 80), rewarded(100, 97)), ALL_READY);
    clock.advance(INTERVAL);
    evaluate();
    RolloutState before = coordinator.getState();
    published.take();

    RolloutState recovered = coordinator.restart().state();

    assertEquals(before, recovered);
    assertEquals(before.active().progress().bandit(), recovered.active().progress().bandit());
    assertEquals(List.of(before.table()), published.take());
  }
}

package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.RolloutCoordinator.HistoryPage;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStatus;
import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.RoutingTable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.testkit.SnapshotMeta;
import org.junit.jupiter.api.Test;

/** What users read back (status and the history as audit log), and what survives a restart. */
class StatusHistoryAndRecoveryTest extends CoordinatorFixture {
  static final String PERSISTENCE_ID = RolloutCoordinator.persistenceId(MODEL).id();

  @Test
  void theStatusShowsTheRolloutTheLastDecisionAndWhatTheStepHasSeenSoFar() {
    givenCanaryServingFivePercent();
    report("node-1", traffic(healthy(600), healthy(30)), ALL_READY);
    report("node-2", traffic(healthy(400), healthy(20)), ALL_READY);
    clock.advance(BAKE.minusMinutes(1));
    evaluate();

    RolloutStatus status = status();

    RolloutState state = coordinator.getState();
    assertEquals(new RolloutStatus(MODEL, STABLE, canaryTable(2, 500), state.active(),
        "canary step 1 of 3 (5 %): baking, 1m left", traffic(healthy(1_000), healthy(50)), ALL_READY), status);
    assertEquals(new PhaseProgress(0, Stage.BAKING, T0), status.active().progress());
  }

  @Test
  void theHistoryRecordsEveryEventWithItsSequenceTimeActorAndCause() {
    givenStartedAndAdvancedOnce();

    HistoryPage page = history(0, 100);

    assertEquals(9, page.lastSequence());
    List<HistoryEntry> entries = page.entries();
    assertEquals(List.of(
        new HistoryEntry(1, T0, "RolloutStarted", ALICE, "version 2 over 1 through [canary]"),
        new HistoryEntry(2, T0, "PhaseEntered", ALICE, "phase 1: canary starts"),
        new HistoryEntry(3, T0, "WeightsChanged", ALICE, "revision 1: v2=0.0% v1=100.0% (canary starts)"),
        new HistoryEntry(4, T0, "WeightsChanged", GATE_ACTOR, "revision 2: v2=5.0% v1=95.0% (ready replicas changed)"),
        new HistoryEntry(5, T0, "Paused", BOB, "paused by hand"),
        new HistoryEntry(6, T0, "Resumed", ALICE, "")), entries.subList(0, 6));
    Instant advanced = T0.plus(BAKE);
    assertEquals(List.of("GatePassed", "StepAdvanced", "WeightsChanged"),
        entries.subList(6, 9).stream().map(HistoryEntry::event).toList());
    for (HistoryEntry entry : entries.subList(6, 9)) {
      assertEquals(GATE_ACTOR, entry.by(), "the gate decided " + entry);
      assertEquals(advanced, entry.at());
    }
    assertTrue(entries.get(6).detail().startsWith("canary step 1 of 3 (5 %) passed the gate: error rate 0.0 %"),
        entries.get(6).detail());
    assertTrue(entries.get(8).detail().startsWith("revision 3: v2=25.0% v1=75.0% (canary step 1 of 3"),
        entries.get(8).detail());
  }

  @Test
  void theHistoryIsReadInPagesAfterASequenceNumber() {
    givenStartedAndAdvancedOnce();
    List<HistoryEntry> all = history(0, 100).entries();

    assertEquals(new HistoryPage(all.subList(0, 4), 9), history(0, 4));
    assertEquals(new HistoryPage(all.subList(4, 8), 9), history(4, 4));
    assertEquals(new HistoryPage(all.subList(8, 9), 9), history(8, 4));
    assertEquals(new HistoryPage(List.of(), 9), history(9, 4));
    assertEquals(new HistoryPage(List.of(), 9), history(0, 0));
  }

  @Test
  void aRestartRecoversTheSameStateAndPublishesTheCurrentTableAgain() {
    givenStartedAndAdvancedOnce();
    RolloutState before = coordinator.getState();

    RolloutState recovered = coordinator.restart().state();

    assertEquals(before, recovered);
    // The table may not have reached every node before the crash: it goes out again.
    assertEquals(List.of(before.table()), published.take());
  }

  @Test
  void aRestartRecoversFromTheLatestSnapshotAndTheEventsAfterIt() {
    givenCanaryServingFivePercent();
    // A restless operator: one event per command, 111 in all, a snapshot every 100.
    while (coordinator.getState().history().size() < 111) {
      if (coordinator.getState().active().paused()) resume(ALICE); else pause(BOB);
    }
    RolloutState before = coordinator.getState();
    published.take();

    List<Pair<SnapshotMeta, Object>> snapshots = coordinator.snapshotTestKit().orElseThrow()
        .persistedInStorage(PERSISTENCE_ID);
    assertEquals(1, snapshots.size());
    assertEquals(100, snapshots.get(0).first().sequenceNr());
    RolloutState snapshot = (RolloutState) snapshots.get(0).second();
    assertEquals(before.history().subList(0, 100), snapshot.history());

    assertEquals(before, coordinator.restart().state(), "snapshot 100 and events 101 to 111");
    assertEquals(List.of(before.table()), published.take());

    // Without the events the snapshot alone is what recovers: so it was read, not just written.
    coordinator.persistenceTestKit().clearByIdPreservingSeqNumbers(PERSISTENCE_ID);
    assertEquals(snapshot, coordinator.restart().state());
  }

  @Test
  void aModelThatNeverRolledOutPublishesNothingOnRecovery() {
    coordinator.restart();

    assertEquals(List.of(), published.take());
  }

  @Test
  void whatEdgesReportedIsNotPersistedSoAfterARestartTheGateWaitsForFreshSamples() {
    givenCanaryServingFivePercent();
    reportHealthyTraffic(1_000);
    clock.advance(BAKE);
    coordinator.restart();
    published.take();
    report(Map.of(), ALL_READY);
    RolloutState before = coordinator.getState();

    assertNothingHappened(before, evaluate());
    assertTrue(status().lastDecision().contains("waiting for 0 of 100 target requests"), status().lastDecision());
  }

  @Test
  void afterARestartTheTableDoesNotFollowReadinessUntilEdgesHaveReportedIt() {
    givenCanaryServingFivePercent();
    report(Map.of(), STABLE_READY); // the target lost its only replica: its 5 % went back to stable
    evaluate();
    assertEquals(canaryTable(3, 0), coordinator.getState().table());
    coordinator.restart();
    published.take();
    RolloutState before = coordinator.getState();

    // The timer may tick before any edge has reported to the new incarnation: knowing nothing of
    // readiness is no reason to send 5 % to a target that has no ready replica.
    assertNothingHappened(before, evaluate());
    assertTrue(status().lastDecision().contains("waiting for the edges' first report"), status().lastDecision());

    report(Map.of(), STABLE_READY);
    assertNothingHappened(before, evaluate());
    report(Map.of(), ALL_READY);
    assertEquals(canaryTable(4, 500), evaluate().state().table());
  }

  /**
   * Alice starts a canary, its target becomes ready (revision 2), bob pauses, alice resumes, and
   * after the bake the gate advances to 25 % (revision 3): nine events.
   */
  private void givenStartedAndAdvancedOnce() {
    givenCanaryServingFivePercent();
    pause(BOB);
    resume(ALICE);
    clock.advance(BAKE);
    reportHealthyTraffic(100);
    evaluate();
    published.take();
    assertEquals(canaryTable(3, 2_500), coordinator.getState().table());
  }
}

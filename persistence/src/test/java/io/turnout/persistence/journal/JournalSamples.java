package io.turnout.persistence.journal;

import io.turnout.persistence.rollout.RolloutCoordinator.Aborted;
import io.turnout.persistence.rollout.RolloutCoordinator.AllocationChanged;
import io.turnout.persistence.rollout.RolloutCoordinator.GateFailed;
import io.turnout.persistence.rollout.RolloutCoordinator.GatePassed;
import io.turnout.persistence.rollout.RolloutCoordinator.Paused;
import io.turnout.persistence.rollout.RolloutCoordinator.PhaseEntered;
import io.turnout.persistence.rollout.RolloutCoordinator.Promoted;
import io.turnout.persistence.rollout.RolloutCoordinator.Resumed;
import io.turnout.persistence.rollout.RolloutCoordinator.RolledBack;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStarted;
import io.turnout.persistence.rollout.RolloutCoordinator.StepAdvanced;
import io.turnout.persistence.rollout.RolloutCoordinator.WeightsChanged;
import io.turnout.persistence.rollout.RolloutState;
import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import io.turnout.persistence.rollout.RolloutState.Rollout;
import io.turnout.persistence.rollout.strategy.BanditProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.BanditPolicy;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.Mirror;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.ShadowGate;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the rollout coordinator persists, one named sample per shape: every event type and the
 * snapshot state with a rollout in each phase kind. {@link JournalCompatibilityTest} checks that
 * the bytes each release wrote for these samples still read back as them.
 *
 * <p>Built from constructors and literals only (no strategy logic, no constants such as
 * {@code Gate.DEFAULT}, no clock): a sample must stay the value it was when it was recorded, so
 * that a failure always means the stored form changed, never that a default did. Never change or
 * rename a sample that a release has recorded; add a new one (and record it) instead.
 */
final class JournalSamples {
  private JournalSamples() {}

  static final String MODEL = "iris";
  static final long STABLE = 1;
  static final long TARGET = 2;
  /** A third version: an A/B arm, a shadow candidate, a bandit arm. */
  static final long ARM = 3;
  static final String STICKY = "X-User-Id";
  static final String PREVIEW = "X-Preview";
  static final String ALICE = "alice";
  static final String BOB = "bob";
  static final String GATE = "gate";
  static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");

  // ---- phases and plans ----

  static final Gate CANARY_GATE = new Gate(100, 0.01, 1.5);
  static final Gate STRICT_GATE = new Gate(500, 0.002, 1.2);

  static final PhaseSpec.Canary CANARY = new PhaseSpec.Canary(List.of(500, 2500, 10_000), minutes(5), CANARY_GATE);
  static final PhaseSpec.BlueGreen BLUE_GREEN = new PhaseSpec.BlueGreen(PREVIEW, minutes(3), minutes(10), STRICT_GATE);
  static final PhaseSpec.Rolling ROLLING = new PhaseSpec.Rolling(1, 0, minutes(2), CANARY_GATE);
  static final PhaseSpec.AbTest AB = new PhaseSpec.AbTest(
      List.of(weight(STABLE, 5000), weight(TARGET, 3000), weight(ARM, 2000)),
      List.of(new TargetingRule("X-Cohort", Set.of("beta", "staff"), ARM), new TargetingRule(PREVIEW, Set.of(), TARGET)),
      STRICT_GATE);
  static final PhaseSpec.Shadow SHADOW =
      new PhaseSpec.Shadow(List.of(TARGET, ARM), 2500, minutes(15), new ShadowGate(200, 0.95, 1.8, 0.02));
  static final PhaseSpec.Bandit THOMPSON = new PhaseSpec.Bandit(List.of(STABLE, TARGET, ARM), BanditPolicy.THOMPSON,
      0, Duration.ofSeconds(30), 500, 0.95, 200, CANARY_GATE);
  static final PhaseSpec.Bandit UCB1 =
      new PhaseSpec.Bandit(List.of(), BanditPolicy.UCB1, 0, Duration.ofMinutes(1), 1000, 0, 0, CANARY_GATE);
  static final PhaseSpec.Bandit EPSILON_GREEDY =
      new PhaseSpec.Bandit(List.of(), BanditPolicy.EPSILON_GREEDY, 0.1, Duration.ofSeconds(10), 0, 0.9, 50, STRICT_GATE);

  static final RolloutPlan CANARY_PLAN = new RolloutPlan(TARGET, List.of(CANARY), STICKY);
  /** Every phase kind in one plan; the index of each is its position here. */
  static final RolloutPlan COMPOSED_PLAN =
      new RolloutPlan(TARGET, List.of(SHADOW, AB, CANARY, BLUE_GREEN, ROLLING, THOMPSON), STICKY);
  static final int SHADOW_PHASE = 0;
  static final int AB_PHASE = 1;
  static final int CANARY_PHASE = 2;
  static final int BLUE_GREEN_PHASE = 3;
  static final int ROLLING_PHASE = 4;
  static final int BANDIT_PHASE = 5;
  /** No sticky header: users stick by client address. */
  static final RolloutPlan ROLLING_PLAN = new RolloutPlan(TARGET, List.of(ROLLING), "");

  // ---- progress ----

  static final BanditProgress BANDIT_BEFORE_FIRST_ALLOCATION = new BanditProgress(List.of(), Map.of());
  /**
   * The one place the journal holds {@link VersionWindow}s: a bandit's totals per arm, with latencies,
   * rewards and (for an arm that was mirrored to before) what it did as a shadow.
   */
  static final BanditProgress BANDIT_AFTER_THREE_ALLOCATIONS = new BanditProgress(
      List.of(weight(STABLE, 2500), weight(TARGET, 6000), weight(ARM, 1500)),
      ordered(
          STABLE, new VersionWindow(3_100, 4, histogram(95, 900, 110, 2_000, 150, 200), new RewardStats(1_210, 605, 605), emptyShadow()),
          TARGET, new VersionWindow(4_700, 2, histogram(90, 1_800, 105, 2_850, 140, 50), new RewardStats(1_890, 1_120, 1_120), emptyShadow()),
          ARM, new VersionWindow(1_900, 11, histogram(120, 1_500, 160, 390, 300, 10), new RewardStats(760, 301.5, 201.25),
              new ShadowStats(1_000, 12, 3, 985, 985, 960, 4.25, 0.31, histogram(110, 700, 130, 280, 200, 5)))));

  // ---- tables ----

  static final RoutingTable STABLE_TABLE = new RoutingTable(MODEL, 1, STABLE, List.of(weight(STABLE, 10_000)),
      List.of(), STICKY, Map.of(), Mirror.NONE, false);
  static final RoutingTable CANARY_TABLE = new RoutingTable(MODEL, 3, STABLE,
      List.of(weight(TARGET, 2500), weight(STABLE, 7500)), List.of(), STICKY, ordered(STABLE, 2, TARGET, 1),
      new Mirror(List.of(), 0), false);
  static final RoutingTable BLUE_GREEN_PREVIEW_TABLE = new RoutingTable(MODEL, 4, STABLE,
      List.of(weight(STABLE, 10_000)), List.of(new TargetingRule(PREVIEW, Set.of(), TARGET)), STICKY,
      ordered(TARGET, 2), Mirror.NONE, false);
  static final RoutingTable AB_TABLE = new RoutingTable(MODEL, 5, STABLE, AB.arms(), AB.rules(), STICKY,
      ordered(STABLE, 2, TARGET, 1, ARM, 1), Mirror.NONE, false);
  static final RoutingTable SHADOW_TABLE = new RoutingTable(MODEL, 2, STABLE, List.of(weight(STABLE, 10_000)),
      List.of(), STICKY, ordered(STABLE, 2, TARGET, 1, ARM, 1), new Mirror(List.of(TARGET, ARM), 2500), false);
  static final RoutingTable ROLLING_TABLE = new RoutingTable(MODEL, 7, STABLE,
      List.of(weight(TARGET, 3334), weight(STABLE, 6666)), List.of(), "", ordered(STABLE, 2, TARGET, 1),
      Mirror.NONE, false);
  static final RoutingTable BANDIT_TABLE = new RoutingTable(MODEL, 9, STABLE, BANDIT_AFTER_THREE_ALLOCATIONS.allocation(),
      List.of(), STICKY, ordered(STABLE, 2, TARGET, 1, ARM, 1), Mirror.NONE, true);
  /** After a promotion: the target serves all, the old stable's replicas stop. */
  static final RoutingTable PROMOTED_TABLE = new RoutingTable(MODEL, 10, TARGET, List.of(weight(TARGET, 10_000)),
      List.of(), STICKY, ordered(TARGET, 1, STABLE, 0, ARM, 0), Mirror.NONE, false);

  // ---- the catalogue ----

  /** Every sample by name, in the order the stored files list them. */
  static Map<String, Object> all() {
    Catalogue samples = new Catalogue();

    samples.add("event.RolloutStarted.canary", new RolloutStarted(CANARY_PLAN, STABLE, 2, 1, Map.of(), ALICE, T0));
    samples.add("event.RolloutStarted.composed",
        new RolloutStarted(COMPOSED_PLAN, STABLE, 2, 1, Map.of(ARM, 1), ALICE, T0));
    samples.add("event.RolloutStarted.rollingWithoutStickyHeader",
        new RolloutStarted(ROLLING_PLAN, STABLE, 3, 3, Map.of(), BOB, T0));
    samples.add("event.RolloutStarted.banditUcb1",
        new RolloutStarted(new RolloutPlan(TARGET, List.of(UCB1), STICKY), STABLE, 2, 2, Map.of(), ALICE, T0));
    samples.add("event.RolloutStarted.banditEpsilonGreedy",
        new RolloutStarted(new RolloutPlan(TARGET, List.of(EPSILON_GREEDY), STICKY), STABLE, 2, 2, Map.of(), ALICE, T0));

    samples.add("event.PhaseEntered.shadow", new PhaseEntered(SHADOW_PHASE,
        new PhaseProgress(0, Stage.BAKING, T0, null), ALICE, "rollout started", T0));
    samples.add("event.PhaseEntered.ab", new PhaseEntered(AB_PHASE,
        new PhaseProgress(0, Stage.RUNNING, at(16), null), GATE, "every candidate passed its shadow gate", at(16)));
    samples.add("event.PhaseEntered.canary", new PhaseEntered(CANARY_PHASE,
        new PhaseProgress(0, Stage.BAKING, at(40), null), BOB, "promoted by hand from the A/B test", at(40)));
    samples.add("event.PhaseEntered.blueGreen", new PhaseEntered(BLUE_GREEN_PHASE,
        new PhaseProgress(0, Stage.PREVIEW, at(56), null), GATE, "canary reached 100 %", at(56)));
    samples.add("event.PhaseEntered.rolling", new PhaseEntered(ROLLING_PHASE,
        new PhaseProgress(0, Stage.REPLACING, at(80), null), GATE, "blue drained", at(80)));
    samples.add("event.PhaseEntered.bandit", new PhaseEntered(BANDIT_PHASE,
        new PhaseProgress(0, Stage.ALLOCATING, at(95), BANDIT_BEFORE_FIRST_ALLOCATION), GATE, "replicas replaced", at(95)));

    samples.add("event.StepAdvanced.canary", new StepAdvanced(
        new PhaseProgress(1, Stage.BAKING, at(46), null), GATE, "step 2 of 3: 25 %", at(46)));
    samples.add("event.StepAdvanced.blueGreenSwitched", new StepAdvanced(
        new PhaseProgress(0, Stage.SWITCHED, at(59), null), GATE, "all traffic on green", at(59)));
    samples.add("event.StepAdvanced.blueGreenDraining", new StepAdvanced(
        new PhaseProgress(0, Stage.BLUE_DRAINING, at(69), null), GATE, "blue kept warm for 10 min", at(69)));
    samples.add("event.StepAdvanced.rollingBaking", new StepAdvanced(
        new PhaseProgress(0, Stage.BAKING, at(82), null), GATE, "replica 1 of 3 in place", at(82)));

    samples.add("event.WeightsChanged.shadow", new WeightsChanged(SHADOW_TABLE, GATE, "", T0));
    samples.add("event.WeightsChanged.ab", new WeightsChanged(AB_TABLE, GATE, "A/B split", at(16)));
    samples.add("event.WeightsChanged.canary", new WeightsChanged(CANARY_TABLE, GATE, "step 2 of 3", at(46)));
    samples.add("event.WeightsChanged.blueGreenPreview",
        new WeightsChanged(BLUE_GREEN_PREVIEW_TABLE, GATE, "preview by X-Preview", at(56)));
    samples.add("event.WeightsChanged.rolling", new WeightsChanged(ROLLING_TABLE, GATE, "by ready replicas", at(82)));
    samples.add("event.WeightsChanged.bandit", new WeightsChanged(BANDIT_TABLE, GATE, "thompson", at(97)));
    samples.add("event.WeightsChanged.promoted", new WeightsChanged(PROMOTED_TABLE, BOB, "promoted", at(120)));

    samples.add("event.AllocationChanged.bandit", new AllocationChanged(
        new PhaseProgress(3, Stage.ALLOCATING, at(97), BANDIT_AFTER_THREE_ALLOCATIONS), GATE,
        "thompson: v1 25 %, v2 60 %, v3 15 % (P(best) 0.03 / 0.91 / 0.06)", at(97)));

    samples.add("event.GatePassed.canary",
        new GatePassed("v2: 1200 requests, errors +0.1 pt, p99 x1.04", GATE, at(46)));
    samples.add("event.GateFailed.canary",
        new GateFailed("v2: errors 3.2 % vs 0.4 % (more than +1.0 pt)", GATE, at(51)));
    samples.add("event.Paused.byHand", new Paused(BOB, "paused by hand", at(47)));
    samples.add("event.Resumed.byHand", new Resumed(BOB, at(48)));
    samples.add("event.Promoted.byGate", new Promoted(TARGET, GATE, "last phase completed", at(120)));
    samples.add("event.RolledBack.byGate", new RolledBack(STABLE, GATE, "v2: p99 x2.10 (more than x1.5)", at(51)));
    samples.add("event.Aborted.withReason", new Aborted(STABLE, ALICE, "wrong model uploaded", at(12)));
    samples.add("event.Aborted.withoutReason", new Aborted(STABLE, ALICE, "", at(12)));

    samples.add("snapshot.RolloutState.empty", new RolloutState(0, null, null, List.of()));
    samples.add("snapshot.RolloutState.stable", new RolloutState(STABLE, STABLE_TABLE, null, List.of()));
    samples.add("snapshot.RolloutState.promoted", new RolloutState(TARGET, PROMOTED_TABLE, null, history(6)));
    samples.add("snapshot.RolloutState.shadow", active(SHADOW_TABLE, COMPOSED_PLAN, SHADOW_PHASE,
        new PhaseProgress(0, Stage.BAKING, T0, null), false, 3));
    samples.add("snapshot.RolloutState.ab", active(AB_TABLE, COMPOSED_PLAN, AB_PHASE,
        new PhaseProgress(0, Stage.RUNNING, at(16), null), false, 5));
    samples.add("snapshot.RolloutState.canary", active(CANARY_TABLE, CANARY_PLAN, 0,
        new PhaseProgress(1, Stage.BAKING, at(46), null), false, 4));
    samples.add("snapshot.RolloutState.canaryPaused", active(CANARY_TABLE, CANARY_PLAN, 0,
        new PhaseProgress(1, Stage.BAKING, at(46), null), true, 5));
    samples.add("snapshot.RolloutState.blueGreen", active(BLUE_GREEN_PREVIEW_TABLE, COMPOSED_PLAN, BLUE_GREEN_PHASE,
        new PhaseProgress(0, Stage.PREVIEW, at(56), null), false, 6));
    samples.add("snapshot.RolloutState.rolling", active(ROLLING_TABLE, ROLLING_PLAN, 0,
        new PhaseProgress(1, Stage.REPLACING, at(84), null), false, 6));
    samples.add("snapshot.RolloutState.bandit", active(BANDIT_TABLE, COMPOSED_PLAN, BANDIT_PHASE,
        new PhaseProgress(3, Stage.ALLOCATING, at(97), BANDIT_AFTER_THREE_ALLOCATIONS), false, 6));
    return samples.byName();
  }

  private static RolloutState active(RoutingTable table, RolloutPlan plan, int phase, PhaseProgress progress,
      boolean paused, int historyEntries) {
    Map<Long, Integer> armReplicas = plan == COMPOSED_PLAN ? Map.of(ARM, 1) : Map.of();
    Rollout rollout = new Rollout(plan, 2, 1, armReplicas, phase, progress, paused, ALICE, T0);
    return new RolloutState(STABLE, table, rollout, history(historyEntries));
  }

  /** The first {@code entries} lines of an audit log. */
  private static List<HistoryEntry> history(int entries) {
    List<HistoryEntry> log = List.of(
        new HistoryEntry(1, T0, "RolloutStarted", ALICE, "version 2 over 1 through [canary]"),
        new HistoryEntry(2, T0, "PhaseEntered", ALICE, "phase 1: rollout started"),
        new HistoryEntry(3, T0, "WeightsChanged", GATE, "revision 2: v2=5.0% v1=95.0%"),
        new HistoryEntry(4, at(46), "GatePassed", GATE, "v2: 1200 requests, errors +0.1 pt, p99 x1.04"),
        new HistoryEntry(5, at(47), "Paused", BOB, "paused by hand"),
        new HistoryEntry(6, at(120), "Promoted", GATE, "version 2 is stable: last phase completed"));
    return log.subList(0, entries);
  }

  // ---- values ----

  private static WeightedVersion weight(long version, int basisPoints) {
    return new WeightedVersion(version, basisPoints);
  }

  private static Duration minutes(long minutes) {
    return Duration.ofMinutes(minutes);
  }

  private static Instant at(long minutesAfterT0) {
    return T0.plus(minutes(minutesAfterT0));
  }

  /** A histogram with {@code count} latencies in each given bucket: pairs of bucket index and count. */
  private static LatencyHistogram histogram(long... bucketAndCount) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    for (int i = 0; i < bucketAndCount.length; i += 2) counts[(int) bucketAndCount[i]] = bucketAndCount[i + 1];
    return new LatencyHistogram(counts);
  }

  private static ShadowStats emptyShadow() {
    return new ShadowStats(0, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.empty());
  }

  /** A map in the order given (records copy it with {@code Map.copyOf}, which keeps no order anyway). */
  @SuppressWarnings("unchecked")
  private static <K, V> Map<K, V> ordered(Object... keysAndValues) {
    Map<K, V> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) map.put((K) keysAndValues[i], (V) keysAndValues[i + 1]);
    return Collections.unmodifiableMap(map);
  }

  /** Samples by name; a name used twice is a mistake in this file. */
  private static final class Catalogue {
    private final Map<String, Object> byName = new LinkedHashMap<>();

    void add(String name, Object sample) {
      if (name.contains("\t") || name.isBlank()) throw new IllegalArgumentException("bad sample name '" + name + "'");
      if (byName.putIfAbsent(name, sample) != null) throw new IllegalStateException("two samples named " + name);
    }

    Map<String, Object> byName() {
      return Collections.unmodifiableMap(byName);
    }
  }
}

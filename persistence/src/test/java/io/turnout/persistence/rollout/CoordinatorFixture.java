package io.turnout.persistence.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.turnout.persistence.rollout.RolloutCoordinator.Abort;
import io.turnout.persistence.rollout.RolloutCoordinator.Accepted;
import io.turnout.persistence.rollout.RolloutCoordinator.Command;
import io.turnout.persistence.rollout.RolloutCoordinator.EvaluateNow;
import io.turnout.persistence.rollout.RolloutCoordinator.Event;
import io.turnout.persistence.rollout.RolloutCoordinator.GetHistory;
import io.turnout.persistence.rollout.RolloutCoordinator.GetStatus;
import io.turnout.persistence.rollout.RolloutCoordinator.HistoryPage;
import io.turnout.persistence.rollout.RolloutCoordinator.Pause;
import io.turnout.persistence.rollout.RolloutCoordinator.Promote;
import io.turnout.persistence.rollout.RolloutCoordinator.Refusal;
import io.turnout.persistence.rollout.RolloutCoordinator.Refused;
import io.turnout.persistence.rollout.RolloutCoordinator.ReportWindows;
import io.turnout.persistence.rollout.RolloutCoordinator.Result;
import io.turnout.persistence.rollout.RolloutCoordinator.Resume;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStatus;
import io.turnout.persistence.rollout.RolloutCoordinator.SetWeights;
import io.turnout.persistence.rollout.RolloutCoordinator.Settings;
import io.turnout.persistence.rollout.RolloutCoordinator.StartRollout;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResult;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The coordinator of model {@value #MODEL} in an {@link EventSourcedBehaviorTestKit}, under a
 * {@link TestClock} that starts at {@link #T0} for every test, with the tables it publishes
 * recorded; and the words the tests are written in. Version {@value #STABLE} (2 replicas) serves,
 * version {@value #TARGET} (1 replica) is rolled out.
 *
 * <p>The evaluation timer is set to a day, so it never fires: tests evaluate with
 * {@link EvaluateNow} when they want the coordinator to look. The testkit's serialization checks
 * stay on: every command, reply, event and state of every test goes through the Kryo serializer
 * (the protocol and persistence {@code reference.conf} registrations), as in the journal.
 */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one ActorSystem per class; clear() isolates the tests
abstract class CoordinatorFixture {
  static final String MODEL = "iris";
  static final long STABLE = 1;
  static final long TARGET = 2;
  static final int STABLE_REPLICAS = 2;
  static final int TARGET_REPLICAS = 1;
  static final String STICKY = "X-User-Id";
  static final String PREVIEW = "X-Preview";
  static final String ALICE = "alice";
  static final String BOB = "bob";
  static final String GATE_ACTOR = RolloutCoordinator.GATE;
  static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
  static final Duration BAKE = Duration.ofMinutes(5);
  static final Duration PREVIEW_TIME = Duration.ofMinutes(3);
  static final Duration KEEP_BLUE_WARM = Duration.ofMinutes(10);
  /** At least 100 target requests, at most one point more errors, p99 at most 1.5 times stable's. */
  static final Gate GATE = new Gate(100, 0.01, 1.5);

  static final Map<Long, Integer> STABLE_READY = Map.of(STABLE, STABLE_REPLICAS);
  static final Map<Long, Integer> ALL_READY = Map.of(STABLE, STABLE_REPLICAS, TARGET, TARGET_REPLICAS);
  /** What a canary asks of the replicas: both versions at their registered counts. */
  static final Map<Long, Integer> CANARY_REPLICAS = Map.of(STABLE, STABLE_REPLICAS, TARGET, TARGET_REPLICAS);

  @JUnit5TestKit
  final ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()))
      .build();

  final TestClock clock = new TestClock(T0);
  final PublishedTables published = new PublishedTables();
  final EventSourcedBehaviorTestKit<Command, Event, RolloutState> coordinator = EventSourcedBehaviorTestKit.create(
      testKit.system(), RolloutCoordinator.create(MODEL, published, new Settings(Duration.ofDays(1)), clock));

  @BeforeEach
  void aFreshCoordinatorAtT0() {
    coordinator.clear();
    clock.set(T0);
    published.take();
  }

  // ---- plans ----

  static RolloutPlan plan(long target, PhaseSpec... phases) {
    return new RolloutPlan(target, List.of(phases), STICKY);
  }

  static PhaseSpec.Canary canaryPhase(Integer... stepsBasisPoints) {
    return new PhaseSpec.Canary(List.of(stepsBasisPoints), BAKE, GATE);
  }

  /** A canary of {@link #TARGET} through these steps (basis points), each baking {@link #BAKE}. */
  static RolloutPlan canary(Integer... stepsBasisPoints) {
    return plan(TARGET, canaryPhase(stepsBasisPoints));
  }

  static PhaseSpec.BlueGreen blueGreenPhase() {
    return new PhaseSpec.BlueGreen(PREVIEW, PREVIEW_TIME, KEEP_BLUE_WARM, GATE);
  }

  // ---- commands ----

  CommandResultWithReply<Command, Event, RolloutState, Result> start(RolloutPlan plan) {
    return start(plan, STABLE, STABLE_REPLICAS, TARGET_REPLICAS);
  }

  CommandResultWithReply<Command, Event, RolloutState, Result> start(RolloutPlan plan, long currentStable,
      int stableReplicas, int targetReplicas) {
    return coordinator.runCommand(
        replyTo -> new StartRollout(plan, currentStable, stableReplicas, targetReplicas, ALICE, replyTo));
  }

  CommandResultWithReply<Command, Event, RolloutState, Result> pause(String by) {
    return coordinator.runCommand(replyTo -> new Pause(by, replyTo));
  }

  CommandResultWithReply<Command, Event, RolloutState, Result> resume(String by) {
    return coordinator.runCommand(replyTo -> new Resume(by, replyTo));
  }

  CommandResultWithReply<Command, Event, RolloutState, Result> promote(String by) {
    return coordinator.runCommand(replyTo -> new Promote(by, replyTo));
  }

  CommandResultWithReply<Command, Event, RolloutState, Result> abort(String by, String reason) {
    return coordinator.runCommand(replyTo -> new Abort(by, reason, replyTo));
  }

  CommandResultWithReply<Command, Event, RolloutState, Result> setWeights(String by, WeightedVersion... weights) {
    return coordinator.runCommand(replyTo -> new SetWeights(List.of(weights), by, replyTo));
  }

  /** An edge's report from node-1: what it saw of each version, and the ready replicas it knows of. */
  CommandResult<Command, Event, RolloutState> report(Map<Long, VersionWindow> windows, Map<Long, Integer> ready) {
    return report("node-1", windows, ready);
  }

  CommandResult<Command, Event, RolloutState> report(String node, Map<Long, VersionWindow> windows,
      Map<Long, Integer> ready) {
    return coordinator.runCommand(new ReportWindows(node, windows, ready));
  }

  /** What the evaluation timer would do now. */
  CommandResult<Command, Event, RolloutState> evaluate() {
    return coordinator.runCommand(EvaluateNow.INSTANCE);
  }

  RolloutStatus status() {
    return coordinator.<RolloutStatus>runCommand(GetStatus::new).reply();
  }

  HistoryPage history(long afterSequence, int limit) {
    return coordinator.<HistoryPage>runCommand(replyTo -> new GetHistory(afterSequence, limit, replyTo)).reply();
  }

  // ---- situations ----

  /**
   * Edges report stable's replicas ready, alice starts {@code plan}, edges report the target's
   * replicas ready too and the coordinator evaluates: the rollout's first step serves. Tables
   * published so far are taken.
   */
  void givenStartedAndReady(RolloutPlan plan) {
    report(Map.of(), STABLE_READY);
    assertInstanceOf(Accepted.class, start(plan).reply());
    report(Map.of(), ALL_READY);
    evaluate();
    published.take();
  }

  /** A canary 5 → 25 → 100 % serving 5 % at revision 2, its step begun at T0. */
  void givenCanaryServingFivePercent() {
    givenStartedAndReady(canary(500, 2500, 10_000));
    assertEquals(canaryTable(2, 500), coordinator.getState().table());
  }

  void givenPausedCanary() {
    givenCanaryServingFivePercent();
    assertInstanceOf(Accepted.class, pause(BOB).reply());
  }

  /** Healthy traffic over a step: {@code targetRequests} on the target, 19 times as many on stable. */
  void reportHealthyTraffic(long targetRequests) {
    report(traffic(healthy(19 * targetRequests), healthy(targetRequests)), ALL_READY);
  }

  // ---- windows ----

  /** {@code requests} requests, {@code errors} of them failed, each taking {@code micros}. */
  static VersionWindow window(long requests, long errors, long micros) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    counts[LatencyHistogram.bucketOf(micros)] = requests;
    return new VersionWindow(requests, errors, new LatencyHistogram(counts));
  }

  /** No errors, 20 ms each. */
  static VersionWindow healthy(long requests) {
    return window(requests, 0, 20_000);
  }

  static Map<Long, VersionWindow> traffic(VersionWindow stable, VersionWindow target) {
    return Map.of(STABLE, stable, TARGET, target);
  }

  // ---- tables ----

  static WeightedVersion weight(long version, int basisPoints) {
    return new WeightedVersion(version, basisPoints);
  }

  static RoutingTable table(long revision, List<WeightedVersion> weights, List<TargetingRule> rules,
      Map<Long, Integer> replicas) {
    return new RoutingTable(MODEL, revision, STABLE, weights, rules, STICKY, replicas);
  }

  /** A canary's table: the target first with its share, stable the rest, both at registered counts. */
  static RoutingTable canaryTable(long revision, int targetBasisPoints) {
    return table(revision, List.of(weight(TARGET, targetBasisPoints), weight(STABLE, RoutingTable.ALL - targetBasisPoints)),
        List.of(), CANARY_REPLICAS);
  }

  /** All traffic on stable after a rollback or an abort; the target's replicas stop. */
  static RoutingTable rolledBackTable(long revision) {
    return new RoutingTable(MODEL, revision, STABLE, List.of(weight(STABLE, RoutingTable.ALL)), List.of(), STICKY,
        Map.of(STABLE, STABLE_REPLICAS, TARGET, 0));
  }

  /** All traffic on the target, the new stable version, after a promotion; the old stable's replicas stop. */
  static RoutingTable promotedTable(long revision) {
    return new RoutingTable(MODEL, revision, TARGET, List.of(weight(TARGET, RoutingTable.ALL)), List.of(), STICKY,
        Map.of(TARGET, TARGET_REPLICAS, STABLE, 0));
  }

  // ---- assertions ----

  static RolloutStatus assertAccepted(CommandResultWithReply<Command, Event, RolloutState, Result> result) {
    return result.replyOfType(Accepted.class).status();
  }

  /** The command is refused for {@code refusal} with a message saying {@code why}, and changes nothing. */
  void assertRefused(Refusal refusal, String why,
      Supplier<CommandResultWithReply<Command, Event, RolloutState, Result>> command) {
    RolloutState before = coordinator.getState();
    CommandResultWithReply<Command, Event, RolloutState, Result> result = command.get();
    Refused refused = result.replyOfType(Refused.class);
    assertEquals(refusal, refused.refusal(), refused.message());
    assertTrue(refused.message().contains(why), "'" + refused.message() + "' should say '" + why + "'");
    assertEquals(List.of(), result.events());
    assertEquals(before, result.state());
    assertEquals(List.of(), published.take());
  }

  /** The command persisted nothing and published nothing. */
  void assertNothingHappened(RolloutState before, CommandResult<Command, Event, RolloutState> result) {
    assertEquals(List.of(), result.events());
    assertEquals(before, result.state());
    assertEquals(List.of(), published.take());
  }

  static List<Class<?>> kinds(List<Event> events) {
    return events.stream().<Class<?>>map(Object::getClass).toList();
  }

  /** The last event's table, which must be the state's table and the one table published. */
  RoutingTable assertOneTablePublished(CommandResult<Command, Event, RolloutState> result) {
    RoutingTable table = result.state().table();
    assertEquals(List.of(table), published.take());
    return table;
  }
}

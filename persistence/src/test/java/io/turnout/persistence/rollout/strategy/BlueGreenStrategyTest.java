package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.IRIS;
import static io.turnout.persistence.rollout.strategy.Fixtures.NO_HEADERS;
import static io.turnout.persistence.rollout.strategy.Fixtures.STABLE;
import static io.turnout.persistence.rollout.strategy.Fixtures.T0;
import static io.turnout.persistence.rollout.strategy.Fixtures.TARGET;
import static io.turnout.persistence.rollout.strategy.Fixtures.at;
import static io.turnout.persistence.rollout.strategy.Fixtures.header;
import static io.turnout.persistence.rollout.strategy.Fixtures.healthy;
import static io.turnout.persistence.rollout.strategy.Fixtures.minutes;
import static io.turnout.persistence.rollout.strategy.Fixtures.none;
import static io.turnout.persistence.rollout.strategy.Fixtures.observe;
import static io.turnout.persistence.rollout.strategy.Fixtures.ready;
import static io.turnout.persistence.rollout.strategy.Fixtures.routeUser;
import static io.turnout.persistence.rollout.strategy.Fixtures.window;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BlueGreenStrategyTest {
  /** Preview by X-Preview for 10 minutes, keep blue warm 5 minutes after the switch. */
  private static final PhaseSpec.BlueGreen SPEC =
      new PhaseSpec.BlueGreen("X-Preview", minutes(10), minutes(5), new Gate(100, 0.01, 1.5));
  private static final PhaseStrategy BLUE_GREEN = PhaseStrategy.of(SPEC);
  /** Blue (stable) runs 3 replicas; green at full count is 3 too, though registered with 2. */
  private static final Map<Long, Integer> ALL_WARM = ready(3, 3);

  private static PhaseProgress in(Stage stage, Instant since) {
    return new PhaseProgress(0, stage, since);
  }

  /** What edges see in preview: all users on blue, a few preview requests on green. */
  private static Observation preview(Instant now, long previewRequests, long previewErrors) {
    return observe(now, window(20_000, 20, 20_000), window(previewRequests, previewErrors, 21_000), ALL_WARM);
  }

  /** What edges see after the switch: all traffic on green. */
  private static Observation switched(Instant now, long errors, Map<Long, Integer> ready) {
    return observe(now, none(), window(10_000, errors, 20_000), ready);
  }

  @Test
  void startsInPreview() {
    assertEquals(in(Stage.PREVIEW, T0), PhaseProgress.start(SPEC, T0));
    assertEquals(new BlueGreenStrategy(SPEC), BLUE_GREEN);
  }

  @Test
  void greenStartsAtFullCountWhileAllTrafficStaysOnBlue() {
    Traffic traffic = BLUE_GREEN.traffic(IRIS, in(Stage.PREVIEW, T0), ALL_WARM);

    assertEquals(Map.of(TARGET, 3, STABLE, 3), traffic.replicas());
    assertEquals(List.of(new WeightedVersion(TARGET, 0), new WeightedVersion(STABLE, RoutingTable.ALL)), traffic.weights());
  }

  @Test
  void onlyPreviewRequestsReachGreenAndOnlyDuringPreview() {
    RoutingTable preview = RoutingTables.of(IRIS, 1, BLUE_GREEN.traffic(IRIS, in(Stage.PREVIEW, T0), ALL_WARM));
    RoutingTable switched = RoutingTables.of(IRIS, 2, BLUE_GREEN.traffic(IRIS, in(Stage.SWITCHED, T0), ALL_WARM));
    RoutingTable draining = RoutingTables.of(IRIS, 3, BLUE_GREEN.traffic(IRIS, in(Stage.BLUE_DRAINING, T0), ready(0, 3)));

    assertEquals(List.of(new TargetingRule("X-Preview", Set.of(), TARGET)), preview.rules());
    assertEquals(TARGET, preview.route(header("X-Preview", "anything"), "192.0.2.1"));
    assertEquals(STABLE, preview.route(NO_HEADERS, "192.0.2.1"));
    for (int u = 0; u < 1_000; u++) assertEquals(STABLE, routeUser(preview, "user-" + u));
    assertEquals(List.of(), switched.rules());
    assertEquals(List.of(), draining.rules());
  }

  @Test
  void previewRequestsStayOnBlueUntilAGreenReplicaIsReady() {
    Traffic cold = BLUE_GREEN.traffic(IRIS, in(Stage.PREVIEW, T0), ready(3, 0));

    assertEquals(List.of(), cold.rules());
    assertEquals(3, cold.replicasOf(TARGET));
  }

  @Test
  void holdsWhileGreenWarmsUp() {
    Decision decision = BLUE_GREEN.decide(IRIS, in(Stage.PREVIEW, T0),
        observe(at(minutes(20)), healthy(), healthy(), ready(3, 2)));

    assertEquals(new Decision.Hold("blue-green preview of version 2: warming green, 2 of 3 replicas of version 2 ready"),
        decision);
  }

  @Test
  void holdsUntilThePreviewTimeIsOver() {
    Decision decision = BLUE_GREEN.decide(IRIS, in(Stage.PREVIEW, T0), preview(at(minutes(7)), 500, 0));

    assertEquals(new Decision.Hold("blue-green preview of version 2: previewing (requests with header X-Preview), 3m left"),
        decision);
  }

  @Test
  void aPassingGateOnThePreviewTrafficSwitches() {
    Instant now = at(minutes(10));

    Decision decision = BLUE_GREEN.decide(IRIS, in(Stage.PREVIEW, T0), preview(now, 500, 1));

    Decision.Advance advance = assertInstanceOf(Decision.Advance.class, decision);
    assertEquals(in(Stage.SWITCHED, now), advance.next());
    assertTrue(advance.cause().startsWith("blue-green preview of version 2 passed the gate: error rate 0.20 % vs stable 0.10 %"),
        advance.cause());
    assertTrue(advance.cause().endsWith("; switching all traffic to version 2"), advance.cause());
  }

  @Test
  void tooFewPreviewRequestsHoldTheSwitch() {
    Decision decision = BLUE_GREEN.decide(IRIS, in(Stage.PREVIEW, T0), preview(at(minutes(30)), 12, 0));

    assertEquals(new Decision.Hold("blue-green preview of version 2: preview time over, waiting for "
        + "12 of 100 target requests so far (requests with header X-Preview)"), decision);
  }

  @Test
  void aFailingPreviewRollsBackWithoutSwitching() {
    Decision decision = BLUE_GREEN.decide(IRIS, in(Stage.PREVIEW, T0), preview(at(minutes(2)), 200, 30));

    assertEquals(new Decision.RollBack("blue-green preview of version 2: error rate 15.0 % vs stable 0.10 % "
        + "(max +1.0 points) over 200 target requests"), decision);
  }

  @Test
  void theSwitchIsOneTableChangeToAllTrafficOnGreenWithBlueStillRunning() {
    Traffic preview = BLUE_GREEN.traffic(IRIS, in(Stage.PREVIEW, T0), ALL_WARM);
    Traffic switched = BLUE_GREEN.traffic(IRIS, in(Stage.SWITCHED, T0), ALL_WARM);
    RoutingTable table = RoutingTables.of(IRIS, 2, switched);

    assertEquals(List.of(new WeightedVersion(TARGET, RoutingTable.ALL), new WeightedVersion(STABLE, 0)), switched.weights());
    assertEquals(preview.replicas(), switched.replicas(), "no replica changes at the switch: only the table");
    for (int u = 0; u < 1_000; u++) assertEquals(TARGET, routeUser(table, "user-" + u));
    assertEquals(TARGET, table.route(NO_HEADERS, "192.0.2.1"));
  }

  @Test
  void blueIsKeptWarmForItsTimeThenStopped() {
    PhaseProgress switched = in(Stage.SWITCHED, T0);
    Decision warm = BLUE_GREEN.decide(IRIS, switched, switched(at(minutes(4)), 0, ALL_WARM));
    Decision stop = BLUE_GREEN.decide(IRIS, switched, switched(at(minutes(5)), 0, ALL_WARM));

    assertEquals(new Decision.Hold("blue-green, switched to version 2: keeping blue warm, 1m left"), warm);
    Decision.Advance advance = assertInstanceOf(Decision.Advance.class, stop);
    assertEquals(in(Stage.BLUE_DRAINING, at(minutes(5))), advance.next());
    assertTrue(advance.cause().endsWith("; stopping version 1"), advance.cause());
    Traffic draining = BLUE_GREEN.traffic(IRIS, advance.next(), ALL_WARM);
    assertEquals(0, draining.replicasOf(STABLE));
    assertEquals(3, draining.replicasOf(TARGET));
    assertEquals(RoutingTable.ALL, draining.weightOf(TARGET));
  }

  @Test
  void completesOnceNoBlueReplicaIsReady() {
    PhaseProgress draining = in(Stage.BLUE_DRAINING, T0);

    assertEquals(new Decision.Hold("blue-green, stopping version 1: 2 replicas of version 1 still ready"),
        BLUE_GREEN.decide(IRIS, draining, switched(at(minutes(1)), 0, ready(2, 3))));
    assertEquals(new Decision.Complete("blue-green: blue (version 1) stopped, green (version 2) serves all traffic"),
        BLUE_GREEN.decide(IRIS, draining, switched(at(minutes(1)), 0, ready(0, 3))));
  }

  @Test
  void aFailingGateWhileBlueIsWarmRollsBackAtOnce() {
    Decision decision = BLUE_GREEN.decide(IRIS, in(Stage.SWITCHED, T0), switched(at(minutes(1)), 300, ALL_WARM));

    assertEquals(new Decision.RollBack("blue-green, switched to version 2: error rate 3.0 % with no stable baseline "
        + "(max 1.0 %) over 10000 target requests"), decision);
    Traffic back = Traffic.rolledBack(IRIS);
    assertEquals(RoutingTable.ALL, back.weightOf(STABLE));
    assertEquals(BLUE_GREEN.traffic(IRIS, in(Stage.SWITCHED, T0), ALL_WARM).replicasOf(STABLE), back.replicasOf(STABLE),
        "blue was warm: the rollback starts nothing");
  }

  @Test
  void ifEveryGreenReplicaDiesAfterTheSwitchTrafficFallsBackToWarmBlue() {
    Traffic traffic = BLUE_GREEN.traffic(IRIS, in(Stage.SWITCHED, T0), ready(3, 0));

    assertEquals(RoutingTable.ALL, traffic.weightOf(STABLE));
  }

  @Test
  void aHealthyBlueGreenPreviewsSwitchesKeepsBlueWarmAndCompletes() {
    PhaseProgress progress = BLUE_GREEN.start(T0);
    Decision decision = null;
    Instant now = T0;
    for (int tick = 0; tick < 60 && !(decision instanceof Decision.Complete); tick++) {
      now = now.plus(minutes(1));
      Observation obs = progress.stage() == Stage.PREVIEW ? preview(now, 500, 0)
          : switched(now, 0, progress.stage() == Stage.BLUE_DRAINING ? ready(0, 3) : ALL_WARM);
      decision = BLUE_GREEN.decide(IRIS, progress, obs);
      if (decision instanceof Decision.Advance advance) progress = advance.next();
    }

    assertInstanceOf(Decision.Complete.class, decision);
    assertEquals(at(minutes(16)), now, "10 minutes of preview, 5 of warm blue, one tick for blue to stop");
  }
}

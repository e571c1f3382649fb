package io.turnout.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnout.persistence.rollout.RolloutCoordinator.HistoryPage;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStatus;
import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import io.turnout.persistence.rollout.RolloutState.Rollout;
import io.turnout.persistence.rollout.strategy.BanditProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RolloutJsonTest {
  static final String FULL_PLAN = """
      {"targetVersion": 2, "stickyHeader": "X-User-Id", "phases": [
        {"kind": "canary", "steps": [5, 25, 50, 100], "bakeTime": "30s",
         "gate": {"minSamples": 100, "maxErrorRateIncrease": 0.01, "maxP99Ratio": 1.5}},
        {"kind": "blueGreen", "previewHeader": "X-Turnout-Preview", "previewTime": "1m", "keepBlueWarm": "5m"},
        {"kind": "rolling", "maxSurge": 1, "maxUnavailable": 0, "bakeTime": "30s"},
        {"kind": "ab", "arms": {"1": 50, "2": 50}, "rules": [{"header": "X-Segment", "values": ["beta"], "version": 2}]}]}
      """;

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static RolloutPlan plan(String json) {
    return RolloutJson.parsePlan(bytes(json));
  }

  /** The plan is refused with 422; returns the problem to check its detail and pointer. */
  static Problem invalidPlan(String json) {
    Problem problem = assertThrows(Problem.class, () -> plan(json));
    assertEquals(422, problem.status(), problem.getMessage());
    return problem;
  }

  static void assertInvalidPlan(String json, String pointer, String... detailContains) {
    Problem problem = invalidPlan(json);
    assertEquals(pointer, problem.pointer(), problem.detail());
    for (String part : detailContains) {
      assertTrue(problem.detail().contains(part), "'" + problem.detail() + "' should contain '" + part + "'");
    }
  }

  /** A plan with one phase written {@code phase}. */
  static String withPhase(String phase) {
    return "{\"targetVersion\": 2, \"phases\": [" + phase + "]}";
  }

  @Test
  void readsEveryKindOfPhase() {
    RolloutPlan plan = plan(FULL_PLAN);
    assertEquals(2, plan.targetVersion());
    assertEquals("X-User-Id", plan.stickyHeader());
    assertEquals(List.of(
        new PhaseSpec.Canary(List.of(500, 2500, 5000, 10_000), Duration.ofSeconds(30), new Gate(100, 0.01, 1.5)),
        new PhaseSpec.BlueGreen("X-Turnout-Preview", Duration.ofMinutes(1), Duration.ofMinutes(5), Gate.DEFAULT),
        new PhaseSpec.Rolling(1, 0, Duration.ofSeconds(30), Gate.DEFAULT),
        new PhaseSpec.AbTest(List.of(new WeightedVersion(1, 5000), new WeightedVersion(2, 5000)),
            List.of(new TargetingRule("X-Segment", Set.of("beta"), 2)), Gate.DEFAULT)),
        plan.phases());
  }

  @Test
  void fillsDefaults() {
    RolloutPlan plan = plan("""
        {"targetVersion": 3, "phases": [
          {"kind": "blueGreen", "previewTime": "10s"},
          {"kind": "rolling", "bakeTime": "0s", "gate": {"minSamples": 0}},
          {"kind": "ab", "arms": {"3": 90, "1": 10}}]}""");
    assertEquals("", plan.stickyHeader());
    assertEquals(new PhaseSpec.BlueGreen("", Duration.ofSeconds(10), Duration.ZERO, Gate.DEFAULT), plan.phases().get(0));
    assertEquals(new PhaseSpec.Rolling(1, 0, Duration.ZERO, new Gate(0, 0.01, 1.5)), plan.phases().get(1));
    PhaseSpec.AbTest ab = (PhaseSpec.AbTest) plan.phases().get(2);
    assertEquals(List.of(new WeightedVersion(3, 9000), new WeightedVersion(1, 1000)), ab.arms(), "in the order written");
    assertEquals(List.of(), ab.rules());
  }

  @Test
  void writesPlansAsUsersWriteThemAndReadsThemBack() {
    RolloutPlan plan = plan(FULL_PLAN);
    JsonNode written = RolloutJson.plan(plan);
    assertEquals("[5,25,50,100]", written.at("/phases/0/steps").toString());
    assertEquals("30s", written.at("/phases/0/bakeTime").asText());
    assertEquals("5m", written.at("/phases/1/keepBlueWarm").asText());
    assertEquals("{\"1\":50,\"2\":50}", written.at("/phases/3/arms").toString());
    assertEquals(plan, RolloutJson.parsePlan(Json.write(written)));
  }

  @Test
  void percentagesMayHaveTwoDecimals() {
    PhaseSpec.Canary canary = (PhaseSpec.Canary) plan(withPhase(
        "{\"kind\": \"canary\", \"steps\": [0.5, 12.25, 100.0], \"bakeTime\": \"1s\"}")).phases().get(0);
    assertEquals(List.of(50, 1225, 10_000), canary.stepsBasisPoints());
    assertEquals("[0.5,12.25,100]", RolloutJson.plan(plan(withPhase(
        "{\"kind\": \"canary\", \"steps\": [0.5, 12.25, 100.0], \"bakeTime\": \"1s\"}"))).at("/phases/0/steps").toString());
  }

  @ParameterizedTest
  @CsvSource({"500ms, PT0.5S", "30s, PT30S", "5m, PT5M", "1h, PT1H", "2d, PT48H", "PT1M30S, PT1M30S", "0s, PT0S",
      "30S, PT30S"})
  void readsDurations(String written, String expected) {
    PhaseSpec.Canary canary = (PhaseSpec.Canary) plan(withPhase(
        "{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"" + written + "\"}")).phases().get(0);
    assertEquals(Duration.parse(expected), canary.bakeTime());
  }

  @ParameterizedTest
  @ValueSource(strings = {"30", "-5s", "5 minutes", "1w", "PTxS", ""})
  void refusesDurationsThatAreNotDurations(String written) {
    assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"" + written + "\"}"),
        "/phases/0/bakeTime", "phase 1 (canary): bakeTime must be a duration such as 30s");
  }

  @Test
  void refusesDurationsOverThirtyDaysAndNegativeIsoDurations() {
    assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"31d\"}"),
        "/phases/0/bakeTime", "must be from 0s to 30d");
    assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"PT-5S\"}"),
        "/phases/0/bakeTime", "must be from 0s to 30d");
    assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": 30}"),
        "/phases/0/bakeTime", "must be a string, not 30");
  }

  @Nested
  class MalformedBodies {
    @Test
    void anEmptyBodyIsMalformed() {
      Problem problem = assertThrows(Problem.class, () -> RolloutJson.parsePlan(new byte[0]));
      assertEquals(400, problem.status());
      assertTrue(problem.detail().contains("empty"));
    }

    @Test
    void brokenJsonIsMalformedWithItsPosition() {
      Problem problem = assertThrows(Problem.class, () -> plan("{\"targetVersion\": 2,\n \"phases\": [}"));
      assertEquals(400, problem.status());
      assertTrue(problem.detail().startsWith("invalid JSON at line 2, column"), problem.detail());
    }

    @Test
    void aRepeatedKeyIsMalformed() {
      Problem problem = assertThrows(Problem.class, () -> plan("{\"targetVersion\": 2, \"targetVersion\": 3}"));
      assertEquals(400, problem.status());
      assertTrue(problem.detail().contains("targetVersion"), problem.detail());
    }

    @Test
    void jsonThatIsNotAnObjectIsInvalid() {
      assertInvalidPlan("[1, 2]", "", "must be a JSON object, not an array");
    }
  }

  @Nested
  class PlanFields {
    @Test
    void unknownField() {
      assertInvalidPlan("{\"targetVersion\": 2, \"phases\": [], \"target\": 2}", "/target", "unknown field 'target'");
    }

    @Test
    void missingTarget() {
      assertInvalidPlan("{\"phases\": []}", "/targetVersion", "a plan needs 'targetVersion'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "1.5", "\"2\"", "true"})
    void targetThatIsNotAVersion(String target) {
      assertInvalidPlan("{\"targetVersion\": " + target + ", \"phases\": []}", "/targetVersion",
          "targetVersion must be a whole number of at least 1");
    }

    @Test
    void stickyHeaderThatIsNoHeaderName() {
      assertInvalidPlan("{\"targetVersion\": 2, \"stickyHeader\": \"X User\", \"phases\": []}", "/stickyHeader",
          "stickyHeader must be an HTTP header name");
    }

    @Test
    void missingEmptyOrWrongPhases() {
      assertInvalidPlan("{\"targetVersion\": 2}", "/phases", "a plan needs 'phases'");
      assertInvalidPlan("{\"targetVersion\": 2, \"phases\": []}", "/phases", "non-empty array");
      assertInvalidPlan("{\"targetVersion\": 2, \"phases\": {}}", "/phases", "non-empty array of phases, not an object");
      String many = "{\"kind\": \"ab\", \"arms\": {\"1\": 50, \"2\": 50}},".repeat(21);
      assertInvalidPlan(withPhase(many.substring(0, many.length() - 1)), "/phases", "at most 20 phases, not 21");
    }

    @Test
    void phaseThatIsNotAnObject() {
      assertInvalidPlan(withPhase("\"canary\""), "/phases/0", "phase 1 must be an object");
    }

    @Test
    void phaseWithoutKind() {
      assertInvalidPlan(withPhase("{\"steps\": [100]}"), "/phases/0/kind", "phase 1 needs 'kind'");
    }

    @Test
    void unknownKind() {
      assertInvalidPlan(withPhase("{\"kind\": \"mirror\"}"), "/phases/0/kind",
          "unknown kind \"mirror\" (expected one of shadow, canary, blueGreen, rolling, ab, bandit)");
    }

    @Test
    void fieldOfAnotherKind() {
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"1s\", \"maxSurge\": 1}"),
          "/phases/0/maxSurge", "unknown field 'maxSurge' in phase 1 (canary)");
    }
  }

  @Nested
  class Canary {
    @Test
    void stepsMissingOrEmpty() {
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"bakeTime\": \"1s\"}"), "/phases/0/steps",
          "phase 1 (canary) needs 'steps'");
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [], \"bakeTime\": \"1s\"}"), "/phases/0/steps",
          "non-empty array of percentages");
    }

    @Test
    void stepThatIsNotANumber() {
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [5, \"25%\"], \"bakeTime\": \"1s\"}"),
          "/phases/0/steps/1", "step 2 must be a percentage (a number), not the string \"25%\"");
    }

    @Test
    void stepsThatDoNotRise() {
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [5, 50, 25], \"bakeTime\": \"1s\"}"),
          "/phases/0/steps/2", "step 3 is 25 % after 50 %");
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [0, 50], \"bakeTime\": \"1s\"}"),
          "/phases/0/steps/0", "rise above 0 %");
    }

    @Test
    void stepsOutOfRangeOrTooPrecise() {
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [50, 101], \"bakeTime\": \"1s\"}"),
          "/phases/0/steps/1", "from 0 to 100, not 101");
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [-5], \"bakeTime\": \"1s\"}"),
          "/phases/0/steps/0", "from 0 to 100, not -5");
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [0.001], \"bakeTime\": \"1s\"}"),
          "/phases/0/steps/0", "at most two decimals");
    }

    @Test
    void bakeTimeMissing() {
      assertInvalidPlan(withPhase("{\"kind\": \"canary\", \"steps\": [100]}"), "/phases/0/bakeTime",
          "phase 1 (canary) needs 'bakeTime'");
    }
  }

  @Nested
  class Gates {
    static String canaryWithGate(String gate) {
      return withPhase("{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"1s\", \"gate\": " + gate + "}");
    }

    @Test
    void gateThatIsNotAnObject() {
      assertInvalidPlan(canaryWithGate("[]"), "/phases/0/gate", "gate must be an object");
    }

    @Test
    void unknownGateField() {
      assertInvalidPlan(canaryWithGate("{\"minSample\": 10}"), "/phases/0/gate/minSample",
          "unknown field 'minSample' in phase 1 (canary)'s gate");
    }

    @Test
    void negativeOrFractionalSamples() {
      assertInvalidPlan(canaryWithGate("{\"minSamples\": -1}"), "/phases/0/gate/minSamples",
          "minSamples must be a whole number from 0");
      assertInvalidPlan(canaryWithGate("{\"minSamples\": 2.5}"), "/phases/0/gate/minSamples", "whole number");
    }

    @Test
    void errorIncreaseOutsideZeroToOne() {
      assertInvalidPlan(canaryWithGate("{\"maxErrorRateIncrease\": 1.5}"), "/phases/0/gate/maxErrorRateIncrease",
          "must be a number from 0 to 1, not 1.5");
      assertInvalidPlan(canaryWithGate("{\"maxErrorRateIncrease\": -0.1}"), "/phases/0/gate/maxErrorRateIncrease",
          "from 0 to 1");
    }

    @Test
    void latencyRatioNotAbove0() {
      assertInvalidPlan(canaryWithGate("{\"maxP99Ratio\": 0}"), "/phases/0/gate/maxP99Ratio",
          "must be a number above 0");
      assertInvalidPlan(canaryWithGate("{\"maxP99Ratio\": \"1.5\"}"), "/phases/0/gate/maxP99Ratio",
          "not the string \"1.5\"");
    }

    @Test
    void partialGateTakesTheRestFromTheDefault() {
      PhaseSpec.Canary canary = (PhaseSpec.Canary) plan(canaryWithGate("{\"maxP99Ratio\": 2}")).phases().get(0);
      assertEquals(new Gate(Gate.DEFAULT.minSamples(), Gate.DEFAULT.maxErrorRateIncrease(), 2), canary.gate());
    }
  }

  @Nested
  class BlueGreenAndRolling {
    @Test
    void blueGreenNeedsAPreviewTime() {
      assertInvalidPlan(withPhase("{\"kind\": \"blueGreen\"}"), "/phases/0/previewTime",
          "phase 1 (blueGreen) needs 'previewTime'");
    }

    @Test
    void blueGreenPreviewHeaderMustBeAHeaderName() {
      assertInvalidPlan(withPhase("{\"kind\": \"blueGreen\", \"previewHeader\": \"\", \"previewTime\": \"1s\"}"),
          "/phases/0/previewHeader", "previewHeader must be an HTTP header name");
    }

    @Test
    void blueGreenKeepWarmIsADuration() {
      assertInvalidPlan(withPhase("{\"kind\": \"blueGreen\", \"previewTime\": \"1s\", \"keepBlueWarm\": \"soon\"}"),
          "/phases/0/keepBlueWarm", "keepBlueWarm must be a duration");
    }

    @Test
    void rollingCannotHaveNeitherSurgeNorUnavailable() {
      assertInvalidPlan(withPhase("{\"kind\": \"rolling\", \"maxSurge\": 0, \"bakeTime\": \"1s\"}"),
          "/phases/0/maxSurge", "cannot both be 0");
    }

    @Test
    void rollingBoundsAreSmallWholeNumbers() {
      assertInvalidPlan(withPhase("{\"kind\": \"rolling\", \"maxSurge\": -1, \"bakeTime\": \"1s\"}"),
          "/phases/0/maxSurge", "maxSurge must be a whole number from 0 to 100, not -1");
      assertInvalidPlan(withPhase("{\"kind\": \"rolling\", \"maxUnavailable\": 1000, \"bakeTime\": \"1s\"}"),
          "/phases/0/maxUnavailable", "from 0 to 100, not 1000");
    }

    @Test
    void rollingNeedsABakeTime() {
      assertInvalidPlan(withPhase("{\"kind\": \"rolling\"}"), "/phases/0/bakeTime", "phase 1 (rolling) needs 'bakeTime'");
    }
  }

  @Nested
  class AbTests {
    @Test
    void armsMissingOrNotAnObject() {
      assertInvalidPlan(withPhase("{\"kind\": \"ab\"}"), "/phases/0/arms", "phase 1 (ab) needs 'arms'");
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", \"arms\": [50, 50]}"), "/phases/0/arms",
          "arms must be an object of version to percentage");
    }

    @Test
    void armsNotAddingUpToAHundred() {
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", \"arms\": {\"1\": 50, \"2\": 40}}"), "/phases/0/arms",
          "weights must add up to 100 %, not 90 %");
    }

    @Test
    void aSingleArm() {
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", \"arms\": {\"1\": 100}}"), "/phases/0/arms",
          "at least two arms, not 1");
    }

    @Test
    void armKeyThatIsNotAVersion() {
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", \"arms\": {\"v1\": 50, \"2\": 50}}"), "/phases/0/arms/v1",
          "\"v1\" is not a version");
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", \"arms\": {\"0\": 50, \"2\": 50}}"), "/phases/0/arms/0",
          "\"0\" is not a version");
    }

    @Test
    void sameVersionTwice() {
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", \"arms\": {\"1\": 50, \"01\": 50}}"), "/phases/0/arms/01",
          "version 1 appears twice");
    }

    @Test
    void rulesThatAreWrong() {
      String arms = "\"arms\": {\"1\": 50, \"2\": 50}";
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", " + arms + ", \"rules\": {}}"), "/phases/0/rules",
          "rules must be an array");
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", " + arms + ", \"rules\": [{\"version\": 2}]}"),
          "/phases/0/rules/0/header", "rule 1 needs 'header'");
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", " + arms + ", \"rules\": [{\"header\": \"X-A\"}]}"),
          "/phases/0/rules/0/version", "rule 1 needs 'version'");
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", " + arms
          + ", \"rules\": [{\"header\": \"X-A\", \"values\": \"beta\", \"version\": 2}]}"),
          "/phases/0/rules/0/values", "values must be an array of strings");
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", " + arms
          + ", \"rules\": [{\"header\": \"X-A\", \"values\": [1], \"version\": 2}]}"),
          "/phases/0/rules/0/values/0", "value 1 must be a string");
      assertInvalidPlan(withPhase("{\"kind\": \"ab\", " + arms
          + ", \"rules\": [{\"header\": \"X-A\", \"version\": 2, \"weight\": 3}]}"),
          "/phases/0/rules/0/weight", "unknown field 'weight'");
    }
  }

  @Nested
  class Shadow {
    static final String SHADOW = "{\"kind\":\"shadow\",\"candidates\":[2],\"mirror\":100,\"duration\":\"60s\","
        + "\"gate\":{\"minSamples\":200,\"minAgreement\":0.9,\"maxP99Ratio\":2.0,\"maxErrorRate\":0.01}}";

    static String shadowWith(String fields) {
      return withPhase("{\"kind\": \"shadow\", " + fields + "}");
    }

    static String shadowWithGate(String gate) {
      return shadowWith("\"mirror\": 50, \"duration\": \"1m\", \"gate\": " + gate);
    }

    @Test
    void readsEveryField() {
      assertEquals(List.of(new PhaseSpec.Shadow(List.of(2L), 10_000, Duration.ofSeconds(60), new ShadowGate(200, 0.9, 2.0, 0.01))),
          plan(withPhase(SHADOW)).phases());
    }

    @Test
    void writesItAsUsersWriteItAndReadsItBack() {
      RolloutPlan plan = plan("{\"targetVersion\": 3, \"phases\": [" + SHADOW + ", {\"kind\": \"shadow\", \"mirror\": 12.5,"
          + " \"duration\": \"90s\"}, {\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"1s\"}]}");

      JsonNode written = RolloutJson.plan(plan);

      assertEquals("{\"kind\":\"shadow\",\"candidates\":[2],\"mirror\":100,\"duration\":\"1m\","
          + "\"gate\":{\"minSamples\":200,\"minAgreement\":0.9,\"maxP99Ratio\":2.0,\"maxErrorRate\":0.01}}",
          written.at("/phases/0").toString());
      assertEquals("{\"kind\":\"shadow\",\"mirror\":12.5,\"duration\":\"90s\",\"gate\":{\"minSamples\":100,"
          + "\"minAgreement\":0.9,\"maxP99Ratio\":2.0,\"maxErrorRate\":0.01}}", written.at("/phases/1").toString(),
          "no candidates: the target shadows");
      assertEquals(plan, RolloutJson.parsePlan(Json.write(written)));
    }

    @Test
    void fillsDefaults() {
      PhaseSpec.Shadow shadow = (PhaseSpec.Shadow) plan(shadowWith("\"mirror\": 5, \"duration\": \"10m\"")).phases().get(0);
      assertEquals(new PhaseSpec.Shadow(List.of(), 500, Duration.ofMinutes(10), ShadowGate.DEFAULT), shadow);
      PhaseSpec.Shadow partial = (PhaseSpec.Shadow) plan(shadowWithGate("{\"minAgreement\": 0.75}")).phases().get(0);
      assertEquals(new ShadowGate(ShadowGate.DEFAULT.minSamples(), 0.75, ShadowGate.DEFAULT.maxP99Ratio(),
          ShadowGate.DEFAULT.maxErrorRate()), partial.gate());
      PhaseSpec.Shadow none = (PhaseSpec.Shadow) plan(shadowWith("\"candidates\": [], \"mirror\": 5, \"duration\": \"1s\""))
          .phases().get(0);
      assertEquals(List.of(), none.candidates());
    }

    @Test
    void mirrorIsARequiredPercentageAboveZero() {
      assertInvalidPlan(shadowWith("\"duration\": \"1m\""), "/phases/0/mirror", "phase 1 (shadow) needs 'mirror'");
      assertInvalidPlan(shadowWith("\"mirror\": 0, \"duration\": \"1m\""), "/phases/0/mirror",
          "phase 1 (shadow): mirror must be above 0 %");
      assertInvalidPlan(shadowWith("\"mirror\": 101, \"duration\": \"1m\""), "/phases/0/mirror",
          "mirror must be a percentage from 0 to 100, not 101");
      assertInvalidPlan(shadowWith("\"mirror\": 0.001, \"duration\": \"1m\""), "/phases/0/mirror", "at most two decimals");
      assertInvalidPlan(shadowWith("\"mirror\": \"50%\", \"duration\": \"1m\""), "/phases/0/mirror",
          "must be a percentage (a number)");
    }

    @Test
    void durationIsRequired() {
      assertInvalidPlan(shadowWith("\"mirror\": 50"), "/phases/0/duration", "phase 1 (shadow) needs 'duration'");
      assertInvalidPlan(shadowWith("\"mirror\": 50, \"duration\": \"soon\""), "/phases/0/duration",
          "duration must be a duration such as 30s");
    }

    @Test
    void candidatesAreDistinctVersions() {
      String rest = ", \"mirror\": 50, \"duration\": \"1m\"";
      assertInvalidPlan(shadowWith("\"candidates\": 2" + rest), "/phases/0/candidates",
          "candidates must be an array of versions such as [2], not 2");
      assertInvalidPlan(shadowWith("\"candidates\": [2, 0]" + rest), "/phases/0/candidates/1",
          "candidate 2 must be a whole number of at least 1, not 0");
      assertInvalidPlan(shadowWith("\"candidates\": [\"2\"]" + rest), "/phases/0/candidates/0", "whole number");
      assertInvalidPlan(shadowWith("\"candidates\": [2, 3, 2]" + rest), "/phases/0/candidates/2",
          "candidate version 2 appears twice");
      assertInvalidPlan(shadowWith("\"candidates\": [1,2,3,4,5,6,7,8,9,10,11]" + rest), "/phases/0/candidates",
          "at most 10 candidates, not 11");
    }

    @Test
    void fieldsOfOtherKindsAndOtherGatesAreUnknown() {
      assertInvalidPlan(shadowWith("\"mirror\": 50, \"duration\": \"1m\", \"bakeTime\": \"1m\""), "/phases/0/bakeTime",
          "unknown field 'bakeTime' in phase 1 (shadow)");
      assertInvalidPlan(shadowWithGate("{\"maxErrorRateIncrease\": 0.01}"), "/phases/0/gate/maxErrorRateIncrease",
          "unknown field 'maxErrorRateIncrease' in phase 1 (shadow)'s gate");
      assertInvalidPlan(shadowWithGate("[]"), "/phases/0/gate", "gate must be an object");
    }

    @Test
    void gateLimitsAreInRange() {
      assertInvalidPlan(shadowWithGate("{\"minSamples\": -1}"), "/phases/0/gate/minSamples", "whole number from 0");
      assertInvalidPlan(shadowWithGate("{\"minAgreement\": 1.5}"), "/phases/0/gate/minAgreement",
          "minAgreement (a fraction: 0.9 is 90 % of compared copies) must be a number from 0 to 1, not 1.5");
      assertInvalidPlan(shadowWithGate("{\"maxP99Ratio\": 0}"), "/phases/0/gate/maxP99Ratio", "must be a number above 0");
      assertInvalidPlan(shadowWithGate("{\"maxErrorRate\": -0.1}"), "/phases/0/gate/maxErrorRate", "from 0 to 1");
      assertInvalidPlan(shadowWithGate("{\"maxErrorRate\": \"1%\"}"), "/phases/0/gate/maxErrorRate",
          "not the string \"1%\"");
    }
  }

  @Nested
  class Commands {
    @Test
    void weightsInTheOrderWritten() {
      assertEquals(List.of(new WeightedVersion(2, 3000), new WeightedVersion(1, 7000)),
          RolloutJson.parseWeights(bytes("{\"weights\": {\"2\": 30, \"1\": 70}}")));
    }

    @Test
    void weightsNotAddingUpToAHundred() {
      Problem problem = assertThrows(Problem.class,
          () -> RolloutJson.parseWeights(bytes("{\"weights\": {\"1\": 70, \"2\": 20.5}}")));
      assertEquals(422, problem.status());
      assertEquals("/weights", problem.pointer());
      assertEquals("weights must add up to 100 %, not 90.5 %", problem.detail());
    }

    @Test
    void weightsMissingOrEmpty() {
      assertEquals(422, assertThrows(Problem.class, () -> RolloutJson.parseWeights(bytes("{}"))).status());
      assertEquals(422, assertThrows(Problem.class, () -> RolloutJson.parseWeights(bytes("{\"weights\": {}}"))).status());
      assertEquals(422, assertThrows(Problem.class,
          () -> RolloutJson.parseWeights(bytes("{\"weights\": {\"1\": 100}, \"by\": \"me\"}"))).status());
    }

    @Test
    void reasonIsOptional() {
      assertEquals("", RolloutJson.parseReason(new byte[0]));
      assertEquals("", RolloutJson.parseReason(bytes(" \n")));
      assertEquals("", RolloutJson.parseReason(bytes("{}")));
      assertEquals("p99 too high", RolloutJson.parseReason(bytes("{\"reason\": \" p99 too high \"}")));
    }

    @Test
    void reasonThatIsWrong() {
      assertEquals(422, assertThrows(Problem.class, () -> RolloutJson.parseReason(bytes("{\"reason\": 5}"))).status());
      assertEquals(422, assertThrows(Problem.class,
          () -> RolloutJson.parseReason(bytes("{\"reason\": \"" + "x".repeat(1001) + "\"}"))).status());
      assertEquals(400, assertThrows(Problem.class, () -> RolloutJson.parseReason(bytes("reason"))).status());
    }
  }

  @Nested
  class Bandit {
    static final String EXAMPLE = """
        {"kind":"bandit","policy":"thompson","arms":[1,2],"epsilon":0.1,"interval":"5s","floor":5,
         "promoteThreshold":0.95,"minRewards":200,
         "gate":{"minSamples":50,"maxErrorRateIncrease":0.02,"maxP99Ratio":2}}""";

    static String bandit(String fields) {
      return withPhase("{\"kind\": \"bandit\", " + fields + "}");
    }

    @Test
    void readsEveryField() {
      assertEquals(new PhaseSpec.Bandit(List.of(1L, 2L), BanditPolicy.THOMPSON, 0.1, Duration.ofSeconds(5), 500,
          0.95, 200, new Gate(50, 0.02, 2.0)), plan(withPhase(EXAMPLE)).phases().get(0));
      assertEquals(BanditPolicy.EPSILON_GREEDY,
          ((PhaseSpec.Bandit) plan(withPhase(EXAMPLE.replace("thompson", "epsilon-greedy"))).phases().get(0)).policy());
      assertEquals(BanditPolicy.UCB1,
          ((PhaseSpec.Bandit) plan(withPhase(EXAMPLE.replace("thompson", "ucb1"))).phases().get(0)).policy());
    }

    @Test
    void fillsDefaults() {
      PhaseSpec.Bandit bandit = (PhaseSpec.Bandit) plan(bandit("\"policy\": \"ucb1\", \"interval\": \"10s\"")).phases().get(0);

      assertEquals(new PhaseSpec.Bandit(List.of(), BanditPolicy.UCB1, 0.1, Duration.ofSeconds(10), 500, 0, 100,
          Gate.DEFAULT), bandit);
    }

    @Test
    void writesBanditsAsUsersWriteThemAndReadsThemBack() {
      RolloutPlan thompson = plan(bandit("\"policy\": \"thompson\", \"arms\": [2, 1, 3], \"interval\": \"1m\","
          + " \"floor\": 2.5, \"promoteThreshold\": 0.99, \"minRewards\": 500"));
      JsonNode written = RolloutJson.plan(thompson);
      assertEquals("{\"kind\":\"bandit\",\"policy\":\"thompson\",\"arms\":[2,1,3],\"epsilon\":0.1,\"interval\":\"1m\",\"floor\":2.5,"
          + "\"promoteThreshold\":0.99,\"minRewards\":500,\"gate\":{\"minSamples\":100,\"maxErrorRateIncrease\":0.01,"
          + "\"maxP99Ratio\":1.5}}", written.at("/phases/0").toString());
      assertEquals(thompson, RolloutJson.parsePlan(Json.write(written)));

      RolloutPlan greedy = plan(bandit("\"policy\": \"epsilon-greedy\", \"epsilon\": 0.2, \"interval\": \"5s\""));
      JsonNode greedyWritten = RolloutJson.plan(greedy);
      assertEquals(0.2, greedyWritten.at("/phases/0/epsilon").asDouble());
      assertTrue(greedyWritten.at("/phases/0/arms").isMissingNode(), "stable and target are implied");
      assertEquals(greedy, RolloutJson.parsePlan(Json.write(greedyWritten)));
    }

    @Test
    void policyMissingUnknownOrNotAString() {
      assertInvalidPlan(bandit("\"interval\": \"5s\""), "/phases/0/policy", "phase 1 (bandit) needs 'policy'");
      assertInvalidPlan(bandit("\"policy\": \"softmax\", \"interval\": \"5s\""), "/phases/0/policy",
          "unknown bandit policy 'softmax'; use epsilon-greedy, ucb1 or thompson");
      assertInvalidPlan(bandit("\"policy\": 1, \"interval\": \"5s\""), "/phases/0/policy", "must be a string");
    }

    @Test
    void armsThatAreWrong() {
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"arms\": {\"1\": 50}"), "/phases/0/arms",
          "arms must be an array of two or more versions such as [1, 2], not an object");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"arms\": [2]"), "/phases/0/arms",
          "not an array of 1");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"arms\": [2, \"one\"]"),
          "/phases/0/arms/1", "arm 2 must be a whole number of at least 1");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"arms\": [2, 1, 2]"), "/phases/0/arms/2",
          "version 2 is an arm twice");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"arms\": [1, 3]"), "/phases/0/arms",
          "arms [1, 3] must include the target version 2");
    }

    @Test
    void epsilonWithinZeroToOne() {
      assertInvalidPlan(bandit("\"policy\": \"epsilon-greedy\", \"interval\": \"5s\", \"epsilon\": 1.5"),
          "/phases/0/epsilon", "epsilon must be a number from 0 to 1, not 1.5");
      assertInvalidPlan(bandit("\"policy\": \"thompson\", \"interval\": \"5s\", \"epsilon\": \"some\""),
          "/phases/0/epsilon", "epsilon must be a number from 0 to 1, not the string \"some\"");
    }

    @Test
    void intervalMissingZeroOrNotADuration() {
      assertInvalidPlan(bandit("\"policy\": \"ucb1\""), "/phases/0/interval", "phase 1 (bandit) needs 'interval'");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"0s\""), "/phases/0/interval",
          "interval must be longer than 0s");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": 5"), "/phases/0/interval", "must be a string");
    }

    @Test
    void floorThatDoesNotFitTheArms() {
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"floor\": 51"), "/phases/0/floor",
          "a floor of 51 % per arm does not fit 2 arms (at most 50 %)");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"arms\": [1, 2, 3], \"floor\": 34"),
          "/phases/0/floor", "does not fit 3 arms (at most 33.33 %)");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"floor\": -1"), "/phases/0/floor",
          "floor must be a percentage from 0 to 100");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"floor\": 1.234"), "/phases/0/floor",
          "at most two decimals");
    }

    @Test
    void promoteThresholdWithinZeroToBelowOne() {
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"promoteThreshold\": 1"),
          "/phases/0/promoteThreshold", "promoteThreshold must be below 1");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"promoteThreshold\": -0.5"),
          "/phases/0/promoteThreshold", "must be a number from 0 to 1, not -0.5");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"promoteThreshold\": \"high\""),
          "/phases/0/promoteThreshold", "not the string \"high\"");
    }

    @Test
    void minRewardsAWholeNumber() {
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"minRewards\": -1"),
          "/phases/0/minRewards", "minRewards must be a whole number from 0 to");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"minRewards\": 2.5"),
          "/phases/0/minRewards", "not 2.5");
    }

    @Test
    void unknownFieldsAndBadGates() {
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"horizon\": 100"), "/phases/0/horizon",
          "unknown field 'horizon' in phase 1 (bandit)");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"gate\": {\"minSample\": 1}"),
          "/phases/0/gate/minSample", "unknown field 'minSample'");
      assertInvalidPlan(bandit("\"policy\": \"ucb1\", \"interval\": \"5s\", \"gate\": {\"maxP99Ratio\": 0}"),
          "/phases/0/gate/maxP99Ratio", "maxP99Ratio must be a number above 0");
    }
  }

  @Nested
  class Output {
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

    @Test
    void statusOfACanaryInProgress() throws Exception {
      RolloutPlan plan = plan(FULL_PLAN);
      Rollout rollout = new Rollout(plan, 2, 1, Map.of(), 0, new PhaseProgress(1, PhaseProgress.Stage.BAKING, T0.plusSeconds(40)),
          false, "alice", T0);
      RoutingTable table = new RoutingTable("iris", 4, 1, List.of(new WeightedVersion(2, 2500),
          new WeightedVersion(1, 7500)), List.of(), "X-User-Id", Map.of(2L, 1));
      long[] counts = new long[LatencyHistogram.BUCKETS];
      counts[LatencyHistogram.bucketOf(2000)] = 10;
      RolloutStatus status = new RolloutStatus("iris", 1, table, rollout, "holding: 3 of 100 target requests",
          Map.of(2L, new VersionWindow(10, 1, new LatencyHistogram(counts))), Map.of(1L, 2, 2L, 1));
      JsonNode json = Json.MAPPER.readTree(RolloutJson.status(status, Map.of(1L, 2, 2L, 3), Map.of(2L, 0, 3L, 1)));

      assertEquals("iris", json.get("model").asText());
      assertEquals(1, json.get("stableVersion").asLong());
      assertEquals("rolling", json.get("state").asText());
      assertEquals(2, json.at("/rollout/targetVersion").asLong());
      assertEquals("{\"index\":1,\"count\":4,\"kind\":\"canary\"}", json.at("/rollout/phase").toString());
      assertEquals("{\"index\":2,\"count\":4,\"targetPercent\":25}", json.at("/rollout/step").toString());
      assertEquals("BAKING", json.at("/rollout/stage").asText());
      assertEquals("alice", json.at("/rollout/startedBy").asText());
      assertEquals("2025-01-01T10:00:40Z", json.at("/rollout/stageSince").asText());
      assertEquals("[{\"version\":2,\"percent\":25},{\"version\":1,\"percent\":75}]",
          json.at("/routing/weights").toString());
      assertEquals("{\"1\":2,\"2\":1}", json.get("desiredReplicas").toString(), "the table's 1 for version 2");
      assertEquals("{\"1\":2,\"2\":0,\"3\":1}", json.get("readyReplicas").toString(), "this node's view wins");
      assertEquals("holding: 3 of 100 target requests", json.get("lastDecision").asText());
      JsonNode window = json.at("/sinceStep/2");
      assertEquals(10, window.get("requests").asLong());
      assertEquals(0.1, window.get("errorRate").asDouble(), 1e-9);
      assertEquals(2.0, window.get("p99Ms").asDouble(), 0.1);
      assertEquals(plan, RolloutJson.parsePlan(Json.write(json.at("/rollout/plan"))));
    }

    /** {@code requests} answered in {@code micros} each, {@code errors} of them failed, with {@code rewards}. */
    static VersionWindow window(long requests, long errors, long micros, RewardStats rewards, ShadowStats shadow) {
      long[] counts = new long[LatencyHistogram.BUCKETS];
      counts[LatencyHistogram.bucketOf(micros)] = requests;
      return new VersionWindow(requests, errors, new LatencyHistogram(counts), rewards, shadow);
    }

    static ShadowStats shadow(long mirrored, long dropped, long errors, long compared, long classified, long agreed,
        double sumMeanAbsDiff, double maxAbsDiff, long micros) {
      long[] counts = new long[LatencyHistogram.BUCKETS];
      counts[LatencyHistogram.bucketOf(micros)] = mirrored - errors;
      return new ShadowStats(mirrored, dropped, errors, compared, classified, agreed, sumMeanAbsDiff, maxAbsDiff,
          new LatencyHistogram(counts));
    }

    static Rollout rollout(RolloutPlan plan, int phaseIndex, PhaseProgress.Stage stage) {
      return new Rollout(plan, 1, 1, Map.of(), phaseIndex, new PhaseProgress(0, stage, T0), false, "alice", T0);
    }

    @Test
    void anAbTestsStatusCarriesItsReport() throws Exception {
      RolloutPlan plan = plan(FULL_PLAN);
      RoutingTable table = new RoutingTable("iris", 9, 1, List.of(new WeightedVersion(1, 5000),
          new WeightedVersion(2, 5000)), List.of(), "X-User-Id");
      RolloutStatus status = new RolloutStatus("iris", 1, table, rollout(plan, 3, PhaseProgress.Stage.RUNNING), "",
          Map.of(1L, window(1200, 12, 2_000, new RewardStats(1000, 800, 800), ShadowStats.none()),
              2L, window(1180, 6, 3_000, new RewardStats(1000, 970, 970), ShadowStats.none())), Map.of());
      JsonNode json = Json.MAPPER.readTree(RolloutJson.status(status, Map.of(1L, 1, 2L, 1), Map.of()));
      JsonNode report = json.get("report");

      assertEquals(1, report.get("control").asLong());
      assertEquals("two-proportion z-test", report.get("test").asText());
      assertEquals(0.95, report.get("confidence").asDouble());
      assertEquals(2, report.get("winner").asLong());
      JsonNode control = report.at("/arms/0");
      assertEquals(1, control.get("version").asLong());
      assertEquals(50, control.get("percent").asInt());
      assertTrue(control.get("control").asBoolean());
      assertEquals(1200, control.get("requests").asLong());
      assertEquals(0.01, control.get("errorRate").asDouble(), 1e-12);
      assertEquals(2.0, control.get("p99Ms").asDouble(), 0.1);
      assertEquals(1000, control.get("rewards").asLong());
      assertEquals(0.8, control.get("meanReward").asDouble(), 1e-12);
      assertEquals(0.7741, control.at("/interval/0").asDouble(), 1e-4, "Wilson's interval of 800/1000");
      assertEquals(0.8236, control.at("/interval/1").asDouble(), 1e-4);
      assertFalse(control.has("vsControl"));
      JsonNode vs = report.at("/arms/1/vsControl");
      assertEquals(0.17, vs.get("difference").asDouble(), 1e-12);
      assertEquals(0.2125, vs.get("relativeDifference").asDouble(), 1e-12);
      assertEquals(11.9155, vs.get("statistic").asDouble(), 1e-4);
      assertTrue(vs.get("degreesOfFreedom").isNull(), "a z statistic");
      assertTrue(vs.get("pValue").asDouble() < 1e-30);
      assertTrue(vs.get("significant").asBoolean());
      assertTrue(vs.get("interval").get(0).asDouble() > 0.13 && vs.get("interval").get(1).asDouble() < 0.21);
      assertEquals(6.0 / 1180 - 0.01, vs.get("errorRateDifference").asDouble(), 1e-12);
      assertEquals(1.5, vs.get("p99Ratio").asDouble(), 0.1);
      assertFalse(json.has("shadow") || json.has("bandit"));
    }

    @Test
    void anAbReportBeforeAnyReward() throws Exception {
      RolloutPlan plan = plan(FULL_PLAN);
      RolloutStatus status = new RolloutStatus("iris", 1, null, rollout(plan, 3, PhaseProgress.Stage.RUNNING), "",
          Map.of(), Map.of());
      JsonNode report = Json.MAPPER.readTree(RolloutJson.status(status, Map.of(), Map.of())).get("report");
      assertTrue(report.get("test").isNull());
      assertTrue(report.get("winner").isNull());
      assertTrue(report.at("/arms/0/meanReward").isNull());
      assertTrue(report.at("/arms/0/interval").isNull());
      JsonNode vs = report.at("/arms/1/vsControl");
      for (String field : List.of("difference", "interval", "relativeDifference", "statistic", "pValue", "p99Ratio")) {
        assertTrue(vs.get(field).isNull(), field);
      }
      assertFalse(vs.get("significant").asBoolean());
    }

    @Test
    void otherPhasesCarryNoAnalysis() throws Exception {
      RolloutPlan plan = plan(FULL_PLAN);
      RolloutStatus status = new RolloutStatus("iris", 1, null, rollout(plan, 0, PhaseProgress.Stage.BAKING), "",
          Map.of(), Map.of());
      JsonNode json = Json.MAPPER.readTree(RolloutJson.status(status, Map.of(), Map.of()));
      assertFalse(json.has("report") || json.has("shadow") || json.has("bandit"));
    }

    @Test
    void aShadowPhaseComparesEachCandidateWithStable() throws Exception {
      PhaseSpec.Shadow spec = new PhaseSpec.Shadow(List.of(2L, 3L), 10_000, Duration.ofSeconds(60), ShadowGate.DEFAULT);
      RolloutPlan plan = new RolloutPlan(2, List.of(spec), "");
      RoutingTable table = new RoutingTable("iris", 5, 1, List.of(new WeightedVersion(1, 10_000)), List.of(), "",
          Map.of(), new Mirror(List.of(2L, 3L), 5_000), false);
      RolloutStatus status = new RolloutStatus("iris", 1, table, rollout(plan, 0, PhaseProgress.Stage.RUNNING), "",
          Map.of(1L, window(1000, 0, 2_000, RewardStats.NONE, ShadowStats.none()),
              2L, VersionWindow.empty().withShadow(shadow(500, 7, 5, 495, 495, 465, 4.95, 0.6, 3_000))),
          Map.of());
      JsonNode json = Json.MAPPER.readTree(RolloutJson.status(status, Map.of(), Map.of())).get("shadow");

      assertEquals(50, json.get("mirrorPercent").asInt(), "the table's mirror share");
      assertEquals(1, json.get("stableVersion").asLong());
      assertEquals(1000, json.get("stableRequests").asLong());
      assertEquals(2.0, json.get("stableP99Ms").asDouble(), 0.1);
      JsonNode v2 = json.at("/candidates/0");
      assertEquals(2, v2.get("version").asLong());
      assertEquals(500, v2.get("mirrored").asLong());
      assertEquals(7, v2.get("dropped").asLong());
      assertEquals(5, v2.get("errors").asLong());
      assertEquals(0.01, v2.get("errorRate").asDouble(), 1e-12);
      assertEquals(495, v2.get("compared").asLong());
      assertEquals(495, v2.get("classified").asLong());
      assertEquals(465, v2.get("agreed").asLong());
      assertEquals(465.0 / 495, v2.get("agreement").asDouble(), 1e-12);
      assertTrue(v2.at("/agreementInterval/0").asDouble() < 465.0 / 495 && v2.at("/agreementInterval/1").asDouble() > 465.0 / 495);
      assertEquals(0.01, v2.get("meanAbsDiff").asDouble(), 1e-12);
      assertEquals(0.6, v2.get("maxAbsDiff").asDouble(), 1e-12);
      assertEquals(3.0, v2.get("p99Ms").asDouble(), 0.15);
      assertEquals(1.5, v2.get("p99Ratio").asDouble(), 0.1);
      JsonNode v3 = json.at("/candidates/1");
      assertEquals(3, v3.get("version").asLong());
      assertEquals(0, v3.get("mirrored").asLong());
      assertTrue(v3.get("agreement").isNull() && v3.get("agreementInterval").isNull() && v3.get("p99Ratio").isNull(),
          "nothing compared yet");
    }

    @Test
    void aShadowPhaseWithoutCandidatesShadowsTheTarget() {
      PhaseSpec.Shadow spec = new PhaseSpec.Shadow(List.of(), 2_500, Duration.ofSeconds(60), ShadowGate.DEFAULT);
      RolloutStatus status = new RolloutStatus("iris", 1, null,
          rollout(new RolloutPlan(4, List.of(spec), ""), 0, PhaseProgress.Stage.RUNNING), "", Map.of(), Map.of());
      JsonNode json = RolloutJson.shadowComparison(spec, status);
      assertEquals(25, json.get("mirrorPercent").asInt(), "the plan's share while there is no table");
      assertEquals(4, json.at("/candidates/0/version").asLong());
      assertEquals(1, json.get("candidates").size());
    }

    @Test
    void aBanditShowsEachArmsAllocationAndRewards() throws Exception {
      PhaseSpec.Bandit spec = new PhaseSpec.Bandit(List.of(1L, 2L), BanditPolicy.THOMPSON, 0.1, Duration.ofSeconds(5),
          500, 0.95, 200, Gate.DEFAULT);
      RoutingTable table = new RoutingTable("iris", 12, 1, List.of(new WeightedVersion(2, 8750),
          new WeightedVersion(1, 1250)), List.of(), "", Map.of(), Mirror.NONE, true);
      // Three reallocations so far: their totals, plus what edges reported since the last one.
      BanditProgress totals = new BanditProgress(List.of(new WeightedVersion(2, 8750), new WeightedVersion(1, 1250)),
          Map.of(1L, window(200, 0, 2_000, new RewardStats(150, 120, 120), ShadowStats.none()),
              2L, window(600, 0, 2_000, new RewardStats(500, 486, 486), ShadowStats.none())));
      Rollout rollout = new Rollout(new RolloutPlan(2, List.of(spec), ""), 1, 1, Map.of(), 0,
          new PhaseProgress(3, PhaseProgress.Stage.ALLOCATING, T0, totals), false, "alice", T0);
      RolloutStatus status = new RolloutStatus("iris", 1, table, rollout, "",
          Map.of(1L, window(100, 0, 2_000, new RewardStats(100, 80, 80), ShadowStats.none()),
              2L, window(300, 0, 2_000, new RewardStats(300, 290, 290), ShadowStats.none())), Map.of());
      JsonNode json = Json.MAPPER.readTree(RolloutJson.status(status, Map.of(), Map.of())).get("bandit");

      assertEquals("thompson", json.get("policy").asText());
      assertEquals(12, json.get("revision").asLong());
      assertEquals(3, json.get("reallocations").asInt());
      JsonNode v1 = json.at("/arms/0");
      assertEquals(1, v1.get("version").asLong());
      assertEquals(12.5, v1.get("allocationPercent").asDouble());
      assertEquals(300, v1.get("requests").asLong());
      assertEquals(250, v1.get("rewards").asLong());
      assertEquals(0.8, v1.get("meanReward").asDouble(), 1e-12);
      assertTrue(v1.at("/interval/0").asDouble() < 0.8 && v1.at("/interval/1").asDouble() > 0.8);
      JsonNode v2 = json.at("/arms/1");
      assertEquals(87.5, v2.get("allocationPercent").asDouble());
      assertEquals(0.97, v2.get("meanReward").asDouble(), 1e-12);
    }

    @Test
    void aBanditWithoutArmsRunsStableAgainstTheTarget() {
      PhaseSpec.Bandit spec = new PhaseSpec.Bandit(List.of(), BanditPolicy.UCB1, 0, Duration.ofSeconds(5), 0, 0, 0,
          Gate.DEFAULT);
      RolloutStatus status = new RolloutStatus("iris", 1, null,
          rollout(new RolloutPlan(3, List.of(spec), ""), 0, PhaseProgress.Stage.RUNNING), "",
          Map.of(3L, window(10, 0, 2_000, RewardStats.of(1.5, 2.5, 0.5), ShadowStats.none())), Map.of());
      JsonNode json = RolloutJson.banditAllocation(spec, status);
      assertEquals("ucb1", json.get("policy").asText());
      assertTrue(json.get("revision").isNull());
      assertEquals(1, json.at("/arms/0/version").asLong());
      assertTrue(json.at("/arms/0/meanReward").isNull());
      assertEquals(0, json.at("/arms/0/allocationPercent").asInt());
      assertEquals(0, json.get("reallocations").asInt(), "no bandit progress yet");
      assertEquals(3, json.at("/arms/1/version").asLong());
      assertEquals(1.5, json.at("/arms/1/meanReward").asDouble(), 1e-12);
      assertEquals(2, json.at("/arms/1/interval").size(), "a t interval for real-valued rewards");
    }

    @Test
    void statusWithNoRolloutEver() throws Exception {
      JsonNode json = Json.MAPPER.readTree(RolloutJson.status(
          new RolloutStatus("iris", 0, null, null, "", Map.of(), Map.of()), Map.of(1L, 1), Map.of(1L, 1)));
      assertEquals("idle", json.get("state").asText());
      assertTrue(json.get("stableVersion").isNull());
      assertTrue(json.get("rollout").isNull());
      assertTrue(json.get("routing").isNull());
    }

    @Test
    void stepsOfEachKind() {
      RolloutPlan plan = plan(FULL_PLAN);
      Rollout rolling = new Rollout(plan, 3, 2, Map.of(), 2, new PhaseProgress(0, PhaseProgress.Stage.REPLACING, T0), false, "a", T0);
      assertEquals(3, RolloutJson.stepCount(plan.phases().get(2), rolling), "one replacement per replica slot");
      assertEquals(2, RolloutJson.stepIndex(plan.phases().get(1), new PhaseProgress(0, PhaseProgress.Stage.SWITCHED, T0)));
      assertEquals(3, RolloutJson.stepCount(plan.phases().get(1), rolling));
      assertEquals(1, RolloutJson.stepCount(plan.phases().get(3), rolling));
    }

    @Test
    void historyPagesCarryTheirCursor() throws Exception {
      HistoryEntry one = new HistoryEntry(4, T0, "RolloutStarted", "alice", "version 2 over 1 through [canary]");
      HistoryEntry two = new HistoryEntry(5, T0, "PhaseEntered", "alice", "phase 1: canary starts");
      JsonNode page = Json.MAPPER.readTree(RolloutJson.history(new HistoryPage(List.of(one, two), 9), 3));
      assertEquals(2, page.get("entries").size());
      assertEquals("RolloutStarted", page.at("/entries/0/event").asText());
      assertEquals(5, page.get("next").asLong());
      assertEquals(9, page.get("lastSequence").asLong());
      assertTrue(page.get("more").asBoolean());
      JsonNode empty = Json.MAPPER.readTree(RolloutJson.history(new HistoryPage(List.of(), 9), 9));
      assertEquals(9, empty.get("next").asLong());
      assertFalse(empty.get("more").asBoolean());
    }

    @Test
    void historyEntryAsAServerSentEvent() {
      HistoryEntry entry = new HistoryEntry(7, T0, "Promoted", "gate", "version 2 is stable:\nall steps passed");
      assertEquals("id: 7\nevent: Promoted\ndata: {\"sequence\":7,\"at\":\"2025-01-01T10:00:00Z\",\"event\":\"Promoted\","
          + "\"by\":\"gate\",\"detail\":\"version 2 is stable:\\nall steps passed\"}\n\n", RolloutJson.event(entry));
      assertEquals(": keep-alive\n\n", RolloutJson.KEEP_ALIVE);
    }
  }
}

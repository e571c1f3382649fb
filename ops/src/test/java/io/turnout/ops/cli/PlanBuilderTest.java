package io.turnout.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.ops.cli.PlanBuilder.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanBuilderTest {
  static final PlanBuilder.Shadow SHADOW = new PlanBuilder.Shadow("100", null, "60s", null, 0.9, null, null);
  static final PlanBuilder.Bandit THOMPSON = new PlanBuilder.Bandit("thompson", "1,2", null, "5s", null, 0.95, null);

  /** Flags with only these phase flags (and --target 2). */
  static Flags flags(List<String> order, PlanBuilder.Shadow shadow, String canarySteps, String bake,
      PlanBuilder.BlueGreen blueGreen, PlanBuilder.Rolling rolling, PlanBuilder.Ab ab, PlanBuilder.Bandit bandit,
      PlanBuilder.Gate gate) {
    return new Flags(2L, null, order, shadow, canarySteps, bake, blueGreen, rolling, ab, bandit, gate);
  }

  static Flags none() {
    return flags(List.of(), null, null, null, null, null, null, null, null);
  }

  static Flags canary(String steps, String bake) {
    return new Flags(2L, "X-User-Id", List.of(), null, steps, bake, null, null, null, null, null);
  }

  static Flags ab(String arms, String... rules) {
    return flags(List.of(), null, null, null, null, null, new PlanBuilder.Ab(arms, List.of(rules)), null, null);
  }

  static String usage(Flags flags) {
    CliException e = assertThrows(CliException.class, () -> PlanBuilder.fromFlags(flags));
    assertEquals(ExitCodes.USAGE, e.exitCode());
    return e.getMessage();
  }

  @Test
  void aCanaryFromFlags() {
    assertEquals("{\"targetVersion\":2,\"stickyHeader\":\"X-User-Id\",\"phases\":[{\"kind\":\"canary\","
        + "\"steps\":[5,25,50,100],\"bakeTime\":\"30s\"}]}", PlanBuilder.fromFlags(canary("5, 25,50,100%", "30s")).toString());
  }

  @Test
  void aCanaryWithAGateAndFractionalSteps() {
    Flags flags = new Flags(3L, null, List.of(), null, "0.5,12.5,100", "1m", null, null, null, null,
        new PlanBuilder.Gate(100L, 0.01, 1.5));
    assertEquals("{\"targetVersion\":3,\"phases\":[{\"kind\":\"canary\",\"steps\":[0.5,12.5,100],\"bakeTime\":\"1m\","
        + "\"gate\":{\"minSamples\":100,\"maxErrorRateIncrease\":0.01,\"maxP99Ratio\":1.5}}]}",
        PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void aBlueGreenFromFlags() {
    Flags flags = flags(List.of(), null, null, null, new PlanBuilder.BlueGreen("X-Turnout-Preview", "1m", "5m"), null,
        null, null, null);
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"blueGreen\",\"previewHeader\":\"X-Turnout-Preview\","
        + "\"previewTime\":\"1m\",\"keepBlueWarm\":\"5m\"}]}", PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void aRollingUpdateFromFlags() {
    Flags flags = flags(List.of(), null, null, "30s", null, new PlanBuilder.Rolling(1, 0), null, null, null);
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"rolling\",\"maxSurge\":1,\"maxUnavailable\":0,"
        + "\"bakeTime\":\"30s\"}]}", PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void anAbTestWithRulesFromFlags() {
    Flags flags = new Flags(2L, "X-User-Id", List.of(), null, null, null, null, null,
        new PlanBuilder.Ab("1=50,2=50", List.of("X-Segment=beta|gamma:2", "X-Preview:2")), null, null);
    assertEquals("{\"targetVersion\":2,\"stickyHeader\":\"X-User-Id\",\"phases\":[{\"kind\":\"ab\","
        + "\"arms\":{\"1\":50,\"2\":50},\"rules\":[{\"header\":\"X-Segment\",\"values\":[\"beta\",\"gamma\"],\"version\":2},"
        + "{\"header\":\"X-Preview\",\"version\":2}]}]}", PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void aShadowPhaseWithItsOwnGate() {
    Flags flags = flags(List.of(), new PlanBuilder.Shadow("100", "2,3", "60s", 200L, 0.9, 2.0, 0.01), null, null, null,
        null, null, null, null);
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"shadow\",\"candidates\":[2,3],\"mirror\":100,"
        + "\"duration\":\"60s\",\"gate\":{\"minSamples\":200,\"minAgreement\":0.9,\"maxP99Ratio\":2.0,"
        + "\"maxErrorRate\":0.01}}]}", PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void aBanditWithEverySetting() {
    Flags flags = flags(List.of(), null, null, null, null, null, null,
        new PlanBuilder.Bandit("Epsilon-Greedy", "1,2,3", 0.1, "5s", "5", 0.95, 200L), new PlanBuilder.Gate(50L, null, 2.0));
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"bandit\",\"policy\":\"epsilon-greedy\",\"arms\":[1,2,3],"
        + "\"epsilon\":0.1,\"interval\":\"5s\",\"floor\":5,\"promoteThreshold\":0.95,\"minRewards\":200,"
        + "\"gate\":{\"minSamples\":50,\"maxP99Ratio\":2.0}}]}", PlanBuilder.fromFlags(flags).toString());
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"bandit\",\"policy\":\"ucb1\",\"interval\":\"1s\"}]}",
        PlanBuilder.fromFlags(flags(List.of(), null, null, null, null, null, null,
            new PlanBuilder.Bandit("ucb1", null, null, "1s", null, null, null), null)).toString());
  }

  @Test
  void phasesRunInTheOrderTheirFlagsCame() {
    Flags flags = flags(List.of("shadow", "canary", "bandit"), SHADOW, "10,50", "30s", null, null, null, THOMPSON,
        new PlanBuilder.Gate(100L, null, null));
    assertEquals("{\"targetVersion\":2,\"phases\":["
        + "{\"kind\":\"shadow\",\"mirror\":100,\"duration\":\"60s\",\"gate\":{\"minAgreement\":0.9}},"
        + "{\"kind\":\"canary\",\"steps\":[10,50],\"bakeTime\":\"30s\",\"gate\":{\"minSamples\":100}},"
        + "{\"kind\":\"bandit\",\"policy\":\"thompson\",\"arms\":[1,2],\"interval\":\"5s\",\"promoteThreshold\":0.95,"
        + "\"gate\":{\"minSamples\":100}}]}", PlanBuilder.fromFlags(flags).toString(), "the gate flags gate every phase but shadow");

    Flags reversed = flags(List.of("bandit", "canary", "shadow"), SHADOW, "10,50", "30s", null, null, null, THOMPSON, null);
    assertEquals(List.of("bandit", "canary", "shadow"), reversed.kinds());
    Flags unordered = flags(List.of(), SHADOW, "10,50", "30s", null, null, null, THOMPSON, null);
    assertEquals(List.of("shadow", "canary", "bandit"), unordered.kinds(), "without an order: shadow first, bandit last");
  }

  @Test
  void flagsThatDoNotMakeAPlan() {
    assertTrue(usage(new Flags(null, null, List.of(), null, "100", "1s", null, null, null, null, null))
        .contains("--target is required"));
    assertTrue(usage(none()).contains("say how to roll out"));
    assertTrue(usage(canary("5,100", null)).contains("--canary needs --bake"));
    assertTrue(usage(canary("5,,100", "1s")).contains("empty item"));
    assertTrue(usage(canary("5,ten", "1s")).contains("'ten' is not a percentage"));
    assertTrue(usage(flags(List.of(), null, null, null, new PlanBuilder.BlueGreen(null, null, null), null, null, null,
        null)).contains("--preview-time"));
    assertTrue(usage(flags(List.of(), null, null, "1s", null, null, new PlanBuilder.Ab("1=50,2=50", List.of()), null,
        null)).contains("--bake belongs to --canary and --rolling: an A/B test runs until promoted or aborted"));
    assertTrue(usage(ab("1=50,1=50")).contains("names version 1 twice"));
    assertTrue(usage(ab("1:50,2:50")).contains("VERSION=PERCENT"));
    assertTrue(usage(ab("1=50,2=50", "X-Segment=beta")).contains("--rule must be HEADER"));
    assertTrue(usage(flags(List.of(), new PlanBuilder.Shadow("100", null, null, null, null, null, null), null, null,
        null, null, null, null, null)).contains("--shadow needs --shadow-duration"));
    assertTrue(usage(flags(List.of(), new PlanBuilder.Shadow("all", null, "1m", null, null, null, null), null, null,
        null, null, null, null, null)).contains("'all' is not a percentage"));
    assertTrue(usage(flags(List.of(), new PlanBuilder.Shadow("100", "v2", "1m", null, null, null, null), null, null,
        null, null, null, null, null)).contains("--shadow-candidates: 'v2' is not a version number"));
    assertTrue(usage(flags(List.of(), SHADOW, null, null, null, null, null, null, new PlanBuilder.Gate(10L, null, null)))
        .contains("a shadow phase has --shadow-min-samples"));
    assertTrue(usage(flags(List.of(), null, null, null, null, null, null,
        new PlanBuilder.Bandit("greedy", null, null, "5s", null, null, null), null))
        .contains("--bandit: unknown bandit policy 'greedy'"));
    assertTrue(usage(flags(List.of(), null, null, null, null, null, null,
        new PlanBuilder.Bandit("ucb1", "1,x", null, "5s", null, null, null), null)).contains("--arms: 'x'"));
    assertTrue(usage(flags(List.of(), null, null, null, null, null, null,
        new PlanBuilder.Bandit("ucb1", null, null, null, null, null, null), null)).contains("--bandit needs --interval"));
  }

  @Test
  void weightsInTheOrderWritten() {
    assertEquals("{\"weights\":{\"2\":30,\"1\":70}}", PlanBuilder.weights("2=30, 1=70").toString());
    assertEquals("{\"weights\":{\"1\":99.5,\"2\":0.5}}", PlanBuilder.weights("1=99.5,2=0.5%").toString());
    assertEquals(ExitCodes.USAGE, assertThrows(CliException.class, () -> PlanBuilder.weights("v1=70,v2=30")).exitCode());
  }

  @Test
  void aJsonPlanFileWithItsTargetReplaced(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("plan.json");
    Files.writeString(file, "{\"targetVersion\": 1, \"phases\": [{\"kind\": \"canary\", \"steps\": [100], \"bakeTime\": \"0s\"}]}");
    assertEquals("{\"targetVersion\":1,\"phases\":[{\"kind\":\"canary\",\"steps\":[100],\"bakeTime\":\"0s\"}]}",
        PlanBuilder.fromFile(file, null).toString());
    assertEquals(7, PlanBuilder.fromFile(file, 7L).get("targetVersion").asLong());
  }

  @Test
  void aYamlPlanFileReadsAsTheSameJson(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("plan.yaml");
    Files.writeString(file, """
        targetVersion: 2
        stickyHeader: X-User-Id
        phases:
          - kind: canary
            steps: [5, 25, 50, 100]
            bakeTime: 30s
            gate: {minSamples: 100, maxErrorRateIncrease: 0.01, maxP99Ratio: 1.5}
          - kind: ab
            arms: {"1": 50, "2": 50}
            rules:
              - header: X-Segment
                values: [beta]
                version: 2
        """);
    assertEquals("{\"targetVersion\":2,\"stickyHeader\":\"X-User-Id\",\"phases\":[{\"kind\":\"canary\","
        + "\"steps\":[5,25,50,100],\"bakeTime\":\"30s\",\"gate\":{\"minSamples\":100,\"maxErrorRateIncrease\":0.01,"
        + "\"maxP99Ratio\":1.5}},{\"kind\":\"ab\",\"arms\":{\"1\":50,\"2\":50},\"rules\":[{\"header\":\"X-Segment\","
        + "\"values\":[\"beta\"],\"version\":2}]}]}", PlanBuilder.fromFile(file, null).toString());
  }

  @Test
  void planFilesThatCannotBeRead(@TempDir Path dir) throws IOException {
    assertTrue(assertThrows(CliException.class, () -> PlanBuilder.fromFile(dir.resolve("missing.json"), null))
        .getMessage().contains("no plan file"));
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"targetVersion\": 2,\n \"phases\": [");
    CliException e = assertThrows(CliException.class, () -> PlanBuilder.fromFile(broken, null));
    assertEquals(ExitCodes.USAGE, e.exitCode());
    assertTrue(e.getMessage().contains("is not valid JSON"), e.getMessage());
    Path list = dir.resolve("list.yml");
    Files.writeString(list, "- 1\n- 2\n");
    assertTrue(assertThrows(CliException.class, () -> PlanBuilder.fromFile(list, null)).getMessage()
        .contains("must hold one object"));
  }
}

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
  static Flags none() {
    return new Flags(2L, null, null, null, false, null, null, null, false, null, null, null, List.of(), null, null, null);
  }

  static Flags canary(String steps, String bake) {
    return new Flags(2L, "X-User-Id", steps, bake, false, null, null, null, false, null, null, null, List.of(),
        null, null, null);
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
    Flags flags = new Flags(3L, null, "0.5,12.5,100", "1m", false, null, null, null, false, null, null, null, List.of(),
        100L, 0.01, 1.5);
    assertEquals("{\"targetVersion\":3,\"phases\":[{\"kind\":\"canary\",\"steps\":[0.5,12.5,100],\"bakeTime\":\"1m\","
        + "\"gate\":{\"minSamples\":100,\"maxErrorRateIncrease\":0.01,\"maxP99Ratio\":1.5}}]}",
        PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void aBlueGreenFromFlags() {
    Flags flags = new Flags(2L, null, null, null, true, "X-Turnout-Preview", "1m", "5m", false, null, null, null,
        List.of(), null, null, null);
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"blueGreen\",\"previewHeader\":\"X-Turnout-Preview\","
        + "\"previewTime\":\"1m\",\"keepBlueWarm\":\"5m\"}]}", PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void aRollingUpdateFromFlags() {
    Flags flags = new Flags(2L, null, null, "30s", false, null, null, null, true, 1, 0, null, List.of(), null, null, null);
    assertEquals("{\"targetVersion\":2,\"phases\":[{\"kind\":\"rolling\",\"maxSurge\":1,\"maxUnavailable\":0,"
        + "\"bakeTime\":\"30s\"}]}", PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void anAbTestWithRulesFromFlags() {
    Flags flags = new Flags(2L, "X-User-Id", null, null, false, null, null, null, false, null, null, "1=50,2=50",
        List.of("X-Segment=beta|gamma:2", "X-Preview:2"), null, null, null);
    assertEquals("{\"targetVersion\":2,\"stickyHeader\":\"X-User-Id\",\"phases\":[{\"kind\":\"ab\","
        + "\"arms\":{\"1\":50,\"2\":50},\"rules\":[{\"header\":\"X-Segment\",\"values\":[\"beta\",\"gamma\"],\"version\":2},"
        + "{\"header\":\"X-Preview\",\"version\":2}]}]}", PlanBuilder.fromFlags(flags).toString());
  }

  @Test
  void flagsThatDoNotMakeAPlan() {
    assertTrue(usage(new Flags(null, null, "100", "1s", false, null, null, null, false, null, null, null, List.of(),
        null, null, null)).contains("--target is required"));
    assertTrue(usage(none()).contains("say how to roll out"));
    assertTrue(usage(canary("5,100", null)).contains("--canary needs --bake"));
    assertTrue(usage(new Flags(2L, null, "100", "1s", true, null, "1m", null, false, null, null, null, List.of(),
        null, null, null)).contains("write a plan file (--file) for several phases"));
    assertTrue(usage(canary("5,,100", "1s")).contains("empty item"));
    assertTrue(usage(canary("5,ten", "1s")).contains("'ten' is not a percentage"));
    assertTrue(usage(new Flags(2L, null, null, null, true, null, null, null, false, null, null, null, List.of(),
        null, null, null)).contains("--preview-time"));
    assertTrue(usage(new Flags(2L, null, null, "1s", false, null, null, null, false, null, null, "1=50,2=50", List.of(),
        null, null, null)).contains("--bake does not apply to --ab"));
    assertTrue(usage(new Flags(2L, null, null, null, false, null, null, null, false, null, null, "1=50,1=50", List.of(),
        null, null, null)).contains("names version 1 twice"));
    assertTrue(usage(new Flags(2L, null, null, null, false, null, null, null, false, null, null, "1:50,2:50", List.of(),
        null, null, null)).contains("VERSION=PERCENT"));
    assertTrue(usage(new Flags(2L, null, null, null, false, null, null, null, false, null, null, "1=50,2=50",
        List.of("X-Segment=beta"), null, null, null)).contains("--rule must be HEADER"));
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

package io.turnout.node.admin;

import static io.turnout.node.admin.Json.NODES;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnout.persistence.rollout.RolloutCoordinator.HistoryPage;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStatus;
import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import io.turnout.persistence.rollout.RolloutState.Rollout;
import io.turnout.persistence.rollout.analysis.AbReport;
import io.turnout.persistence.rollout.analysis.ConfidenceIntervals;
import io.turnout.persistence.rollout.analysis.Interval;
import io.turnout.persistence.rollout.analysis.SignificanceTests;
import io.turnout.persistence.rollout.analysis.TestResult;
import io.turnout.persistence.rollout.strategy.BanditProgress;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.protocol.rollout.BanditPolicy;
import io.turnout.protocol.rollout.Gate;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rollout API's JSON, pure: plans in (percent and durations for humans, basis points and
 * {@link Duration}s inside), manual weights and reasons in, status, history and server-sent events
 * out. Every refusal is a {@link Problem} with a JSON pointer to the offending field.
 *
 * <p>A plan:
 *
 * <pre>{@code
 * {"targetVersion": 2, "stickyHeader": "X-User-Id",
 *  "phases": [
 *    {"kind": "canary", "steps": [5, 25, 50, 100], "bakeTime": "30s",
 *     "gate": {"minSamples": 100, "maxErrorRateIncrease": 0.01, "maxP99Ratio": 1.5}},
 *    {"kind": "blueGreen", "previewHeader": "X-Turnout-Preview", "previewTime": "1m", "keepBlueWarm": "5m"},
 *    {"kind": "rolling", "maxSurge": 1, "maxUnavailable": 0, "bakeTime": "30s"},
 *    {"kind": "ab", "arms": {"1": 50, "2": 50}, "rules": [{"header": "X-Segment", "values": ["beta"], "version": 2}]},
 *    {"kind": "bandit", "policy": "thompson", "arms": [1, 2], "interval": "5s", "floor": 5,
 *     "promoteThreshold": 0.95, "minRewards": 200},
 *    {"kind": "shadow", "candidates": [2], "mirror": 100, "duration": "60s",
 *     "gate": {"minSamples": 200, "minAgreement": 0.9, "maxP99Ratio": 2.0, "maxErrorRate": 0.01}}]}
 * }</pre>
 *
 * Required: {@code targetVersion}, {@code phases}, and per kind: canary {@code steps} and
 * {@code bakeTime}; blueGreen {@code previewTime}; rolling {@code bakeTime}; ab {@code arms};
 * bandit {@code policy} (epsilon-greedy, ucb1 or thompson) and {@code interval}; shadow
 * {@code mirror} (the percentage of stable's requests copied) and {@code duration}.
 * Defaults: {@code stickyHeader} none (the client address), {@code previewHeader} none (preview
 * only by naming the version), {@code keepBlueWarm} 0s, {@code maxSurge} 1, {@code maxUnavailable}
 * 0, {@code rules} none, bandit {@code arms} stable and target, {@code epsilon} 0.1 (read by
 * epsilon-greedy only), {@code floor} 5 (percent per arm), {@code promoteThreshold} 0 (no auto-promotion),
 * {@code minRewards} 100, shadow {@code candidates} none (the target shadows), each gate field as
 * {@link Gate#DEFAULT} ({@link ShadowGate#DEFAULT} for a shadow's gate).
 */
public final class RolloutJson {
  private RolloutJson() {}

  static final int MAX_PHASES = 20;
  static final int MAX_STEPS = 100;
  static final int MAX_RULES = 100;
  static final int MAX_REASON = 1000;
  /** A rolling phase's surge or unavailability beyond this is a typo, not a plan. */
  static final int MAX_ROLLING_BOUND = 100;

  private static final Set<String> PLAN_FIELDS = Set.of("targetVersion", "stickyHeader", "phases");
  private static final Set<String> CANARY_FIELDS = Set.of("kind", "steps", "bakeTime", "gate");
  private static final Set<String> BLUE_GREEN_FIELDS = Set.of("kind", "previewHeader", "previewTime", "keepBlueWarm", "gate");
  private static final Set<String> ROLLING_FIELDS = Set.of("kind", "maxSurge", "maxUnavailable", "bakeTime", "gate");
  private static final Set<String> AB_FIELDS = Set.of("kind", "arms", "rules", "gate");
  private static final Set<String> BANDIT_FIELDS = Set.of("kind", "policy", "arms", "epsilon", "interval", "floor",
      "promoteThreshold", "minRewards", "gate");
  static final int MAX_BANDIT_ARMS = 20;
  static final double DEFAULT_EPSILON = 0.1;
  static final int DEFAULT_FLOOR = 500;
  static final long DEFAULT_MIN_REWARDS = 100;
  private static final Set<String> GATE_FIELDS = Set.of("minSamples", "maxErrorRateIncrease", "maxP99Ratio");
  private static final Set<String> RULE_FIELDS = Set.of("header", "values", "version");
  private static final Set<String> SHADOW_FIELDS = Set.of("kind", "candidates", "mirror", "duration", "gate");
  private static final Set<String> SHADOW_GATE_FIELDS = Set.of("minSamples", "minAgreement", "maxP99Ratio", "maxErrorRate");
  /** More shadows than this of one stable version would be a typo, and a node's worth of copies per request. */
  static final int MAX_CANDIDATES = 10;
  static final List<String> KINDS = List.of("shadow", "canary", "blueGreen", "rolling", "ab", "bandit");

  // ---- plans ----

  /** Reads a plan; 400 when the body is not JSON, 422 with a precise detail when the plan is wrong. */
  public static RolloutPlan parsePlan(byte[] body) {
    ObjectNode plan = Json.object(body);
    Json.onlyFields(plan, "", PLAN_FIELDS, "the plan");
    long target = Json.positiveLong(Json.required(plan, "targetVersion", "", "a plan"), "/targetVersion", "targetVersion");
    String sticky = plan.hasNonNull("stickyHeader")
        ? Json.headerName(plan.get("stickyHeader"), "/stickyHeader", "stickyHeader") : "";
    JsonNode phases = Json.required(plan, "phases", "", "a plan");
    if (!phases.isArray() || phases.isEmpty()) {
      throw Problem.invalid("/phases", "phases must be a non-empty array of phases, not " + Json.describe(phases));
    }
    if (phases.size() > MAX_PHASES) {
      throw Problem.invalid("/phases", "a plan has at most " + MAX_PHASES + " phases, not " + phases.size());
    }
    List<PhaseSpec> specs = new ArrayList<>();
    for (int i = 0; i < phases.size(); i++) specs.add(phase(phases.get(i), "/phases/" + i, "phase " + (i + 1)));
    banditArmsNameTheTarget(specs, target);
    return new RolloutPlan(target, specs, sticky);
  }

  private static PhaseSpec phase(JsonNode node, String at, String what) {
    if (!node.isObject()) throw Problem.invalid(at, what + " must be an object, not " + Json.describe(node));
    ObjectNode phase = (ObjectNode) node;
    String kind = Json.string(Json.required(phase, "kind", at, what), at + "/kind", what + "'s kind");
    return switch (kind) {
      case "canary" -> canary(phase, at, what + " (canary)");
      case "blueGreen" -> blueGreen(phase, at, what + " (blueGreen)");
      case "rolling" -> rolling(phase, at, what + " (rolling)");
      case "ab" -> abTest(phase, at, what + " (ab)");
      case "bandit" -> bandit(phase, at, what + " (bandit)");
      case "shadow" -> shadow(phase, at, what + " (shadow)");
      default -> throw Problem.invalid(at + "/kind", what + " has an unknown kind \"" + kind + "\" (expected one of "
          + String.join(", ", KINDS) + ")");
    };
  }

  private static PhaseSpec.Canary canary(ObjectNode phase, String at, String what) {
    Json.onlyFields(phase, at, CANARY_FIELDS, what);
    JsonNode steps = Json.required(phase, "steps", at, what);
    if (!steps.isArray() || steps.isEmpty()) {
      throw Problem.invalid(at + "/steps", what + ": steps must be a non-empty array of percentages, not "
          + Json.describe(steps));
    }
    if (steps.size() > MAX_STEPS) throw Problem.invalid(at + "/steps", what + " has at most " + MAX_STEPS + " steps");
    List<Integer> basisPoints = new ArrayList<>();
    int previous = 0;
    for (int i = 0; i < steps.size(); i++) {
      int step = Json.percent(steps.get(i), at + "/steps/" + i, what + ": step " + (i + 1));
      if (step <= previous) {
        throw Problem.invalid(at + "/steps/" + i, what + ": steps must rise above 0 %, each above the one before; step "
            + (i + 1) + " is " + steps.get(i).asText() + " %" + (i == 0 ? "" : " after " + steps.get(i - 1).asText() + " %"));
      }
      basisPoints.add(step);
      previous = step;
    }
    Duration bake = Json.duration(Json.required(phase, "bakeTime", at, what), at + "/bakeTime", what + ": bakeTime");
    return new PhaseSpec.Canary(basisPoints, bake, gate(phase, at, what));
  }

  private static PhaseSpec.BlueGreen blueGreen(ObjectNode phase, String at, String what) {
    Json.onlyFields(phase, at, BLUE_GREEN_FIELDS, what);
    String header = phase.hasNonNull("previewHeader")
        ? Json.headerName(phase.get("previewHeader"), at + "/previewHeader", what + ": previewHeader") : "";
    Duration preview = Json.duration(Json.required(phase, "previewTime", at, what), at + "/previewTime",
        what + ": previewTime");
    Duration warm = phase.hasNonNull("keepBlueWarm")
        ? Json.duration(phase.get("keepBlueWarm"), at + "/keepBlueWarm", what + ": keepBlueWarm") : Duration.ZERO;
    return new PhaseSpec.BlueGreen(header, preview, warm, gate(phase, at, what));
  }

  private static PhaseSpec.Rolling rolling(ObjectNode phase, String at, String what) {
    Json.onlyFields(phase, at, ROLLING_FIELDS, what);
    int surge = phase.hasNonNull("maxSurge")
        ? Json.intWithin(phase.get("maxSurge"), 0, MAX_ROLLING_BOUND, at + "/maxSurge", what + ": maxSurge") : 1;
    int unavailable = phase.hasNonNull("maxUnavailable")
        ? Json.intWithin(phase.get("maxUnavailable"), 0, MAX_ROLLING_BOUND, at + "/maxUnavailable",
            what + ": maxUnavailable") : 0;
    if (surge + unavailable == 0) {
      throw Problem.invalid(at + "/maxSurge", what + ": maxSurge and maxUnavailable cannot both be 0, or no replica"
          + " could ever be replaced");
    }
    Duration bake = Json.duration(Json.required(phase, "bakeTime", at, what), at + "/bakeTime", what + ": bakeTime");
    return new PhaseSpec.Rolling(surge, unavailable, bake, gate(phase, at, what));
  }

  private static PhaseSpec.AbTest abTest(ObjectNode phase, String at, String what) {
    Json.onlyFields(phase, at, AB_FIELDS, what);
    JsonNode armsNode = Json.required(phase, "arms", at, what);
    if (!armsNode.isObject()) {
      throw Problem.invalid(at + "/arms", what + ": arms must be an object of version to percentage such as "
          + "{\"1\": 50, \"2\": 50}, not " + Json.describe(armsNode));
    }
    List<WeightedVersion> arms = weights((ObjectNode) armsNode, at + "/arms", what + ": arm");
    if (arms.size() < 2) throw Problem.invalid(at + "/arms", what + " needs at least two arms, not " + arms.size());
    List<TargetingRule> rules = new ArrayList<>();
    if (phase.hasNonNull("rules")) {
      JsonNode rulesNode = phase.get("rules");
      if (!rulesNode.isArray()) {
        throw Problem.invalid(at + "/rules", what + ": rules must be an array, not " + Json.describe(rulesNode));
      }
      if (rulesNode.size() > MAX_RULES) throw Problem.invalid(at + "/rules", what + " has at most " + MAX_RULES + " rules");
      for (int i = 0; i < rulesNode.size(); i++) rules.add(rule(rulesNode.get(i), at + "/rules/" + i, what + ": rule " + (i + 1)));
    }
    return new PhaseSpec.AbTest(arms, rules, gate(phase, at, what));
  }

  private static PhaseSpec.Bandit bandit(ObjectNode phase, String at, String what) {
    Json.onlyFields(phase, at, BANDIT_FIELDS, what);
    String policyName = Json.string(Json.required(phase, "policy", at, what), at + "/policy", what + ": policy");
    BanditPolicy policy;
    try {
      policy = BanditPolicy.fromWireName(policyName);
    } catch (IllegalArgumentException unknown) {
      throw Problem.invalid(at + "/policy", what + ": " + unknown.getMessage());
    }
    List<Long> arms = phase.hasNonNull("arms") ? banditArms(phase.get("arms"), at + "/arms", what) : List.of();
    // Only epsilon-greedy reads epsilon; the others carry it, so that switching policy keeps the plan valid.
    double epsilon = phase.hasNonNull("epsilon")
        ? Json.doubleWithin(phase.get("epsilon"), 0, 1, false, at + "/epsilon", what + ": epsilon") : DEFAULT_EPSILON;
    Duration interval = Json.duration(Json.required(phase, "interval", at, what), at + "/interval", what + ": interval");
    if (interval.isZero()) throw Problem.invalid(at + "/interval", what + ": interval must be longer than 0s");
    int floor = phase.hasNonNull("floor") ? Json.percent(phase.get("floor"), at + "/floor", what + ": floor") : DEFAULT_FLOOR;
    int armCount = arms.isEmpty() ? 2 : arms.size();
    if ((long) floor * armCount > RoutingTable.ALL) {
      throw Problem.invalid(at + "/floor", what + ": a floor of " + Json.percentNode(floor).asText() + " % per arm does"
          + " not fit " + armCount + " arms (at most " + Json.percentNode(RoutingTable.ALL / armCount).asText() + " %)");
    }
    double threshold = 0;
    if (phase.hasNonNull("promoteThreshold")) {
      threshold = Json.doubleWithin(phase.get("promoteThreshold"), 0, 1, false, at + "/promoteThreshold",
          what + ": promoteThreshold (0 never promotes on its own)");
      if (threshold >= 1) {
        throw Problem.invalid(at + "/promoteThreshold", what + ": promoteThreshold must be below 1, which no arm"
            + " could ever reach, not " + phase.get("promoteThreshold").asText());
      }
    }
    long minRewards = phase.hasNonNull("minRewards")
        ? Json.intWithin(phase.get("minRewards"), 0, Integer.MAX_VALUE, at + "/minRewards", what + ": minRewards")
        : DEFAULT_MIN_REWARDS;
    return new PhaseSpec.Bandit(arms, policy, epsilon, interval, floor, threshold, minRewards, gate(phase, at, what));
  }

  /** A bandit's arms: two or more distinct versions, in the order written. */
  private static List<Long> banditArms(JsonNode node, String at, String what) {
    if (!node.isArray() || node.size() < 2) {
      throw Problem.invalid(at, what + ": arms must be an array of two or more versions such as [1, 2], not "
          + (node.isArray() ? "an array of " + node.size() : Json.describe(node)));
    }
    if (node.size() > MAX_BANDIT_ARMS) throw Problem.invalid(at, what + " has at most " + MAX_BANDIT_ARMS + " arms");
    List<Long> arms = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      long version = Json.positiveLong(node.get(i), at + "/" + i, what + ": arm " + (i + 1));
      if (arms.contains(version)) throw Problem.invalid(at + "/" + i, what + ": version " + version + " is an arm twice");
      arms.add(version);
    }
    return arms;
  }

  /** A bandit completes when the target wins it, so arms that leave the target out could never end well. */
  private static void banditArmsNameTheTarget(List<PhaseSpec> phases, long target) {
    for (int i = 0; i < phases.size(); i++) {
      if (phases.get(i) instanceof PhaseSpec.Bandit bandit && !bandit.arms().isEmpty() && !bandit.arms().contains(target)) {
        throw Problem.invalid("/phases/" + i + "/arms", "phase " + (i + 1) + " (bandit): arms " + bandit.arms()
            + " must include the target version " + target + ": the phase completes when the target wins it");
      }
    }
  }

  private static PhaseSpec.Shadow shadow(ObjectNode phase, String at, String what) {
    Json.onlyFields(phase, at, SHADOW_FIELDS, what);
    List<Long> candidates = new ArrayList<>();
    if (phase.hasNonNull("candidates")) {
      JsonNode node = phase.get("candidates");
      if (!node.isArray()) {
        throw Problem.invalid(at + "/candidates", what + ": candidates must be an array of versions such as [2], not "
            + Json.describe(node));
      }
      if (node.size() > MAX_CANDIDATES) {
        throw Problem.invalid(at + "/candidates", what + " has at most " + MAX_CANDIDATES + " candidates, not " + node.size());
      }
      for (int i = 0; i < node.size(); i++) {
        long version = Json.positiveLong(node.get(i), at + "/candidates/" + i, what + ": candidate " + (i + 1));
        if (candidates.contains(version)) {
          throw Problem.invalid(at + "/candidates/" + i, what + ": candidate version " + version + " appears twice");
        }
        candidates.add(version);
      }
    }
    int mirror = Json.percent(Json.required(phase, "mirror", at, what), at + "/mirror", what + ": mirror");
    if (mirror == 0) {
      throw Problem.invalid(at + "/mirror", what + ": mirror must be above 0 %, or the candidates never see a request");
    }
    Duration duration = Json.duration(Json.required(phase, "duration", at, what), at + "/duration", what + ": duration");
    return new PhaseSpec.Shadow(candidates, mirror, duration, shadowGate(phase, at, what));
  }

  private static ShadowGate shadowGate(ObjectNode phase, String at, String what) {
    if (!phase.hasNonNull("gate")) return ShadowGate.DEFAULT;
    JsonNode node = phase.get("gate");
    String gateAt = at + "/gate";
    if (!node.isObject()) throw Problem.invalid(gateAt, what + ": gate must be an object, not " + Json.describe(node));
    ObjectNode gate = (ObjectNode) node;
    Json.onlyFields(gate, gateAt, SHADOW_GATE_FIELDS, what + "'s gate");
    ShadowGate defaults = ShadowGate.DEFAULT;
    long minSamples = gate.hasNonNull("minSamples")
        ? Json.intWithin(gate.get("minSamples"), 0, Integer.MAX_VALUE, gateAt + "/minSamples", what + ": gate minSamples")
        : defaults.minSamples();
    double agreement = gate.hasNonNull("minAgreement")
        ? Json.doubleWithin(gate.get("minAgreement"), 0, 1, false, gateAt + "/minAgreement",
            what + ": gate minAgreement (a fraction: 0.9 is 90 % of compared copies)")
        : defaults.minAgreement();
    double p99 = gate.hasNonNull("maxP99Ratio")
        ? Json.doubleWithin(gate.get("maxP99Ratio"), 0, 1000, true, gateAt + "/maxP99Ratio", what + ": gate maxP99Ratio")
        : defaults.maxP99Ratio();
    double errors = gate.hasNonNull("maxErrorRate")
        ? Json.doubleWithin(gate.get("maxErrorRate"), 0, 1, false, gateAt + "/maxErrorRate",
            what + ": gate maxErrorRate (a fraction: 0.01 is 1 % of copies)")
        : defaults.maxErrorRate();
    return new ShadowGate(minSamples, agreement, p99, errors);
  }

  private static TargetingRule rule(JsonNode node, String at, String what) {
    if (!node.isObject()) throw Problem.invalid(at, what + " must be an object, not " + Json.describe(node));
    ObjectNode rule = (ObjectNode) node;
    Json.onlyFields(rule, at, RULE_FIELDS, what);
    String header = Json.headerName(Json.required(rule, "header", at, what), at + "/header", what + ": header");
    Set<String> values = new LinkedHashSet<>();
    if (rule.hasNonNull("values")) {
      JsonNode valuesNode = rule.get("values");
      if (!valuesNode.isArray()) {
        throw Problem.invalid(at + "/values", what + ": values must be an array of strings, not "
            + Json.describe(valuesNode));
      }
      for (int i = 0; i < valuesNode.size(); i++) {
        values.add(Json.string(valuesNode.get(i), at + "/values/" + i, what + ": value " + (i + 1)));
      }
    }
    long version = Json.positiveLong(Json.required(rule, "version", at, what), at + "/version", what + ": version");
    return new TargetingRule(header, values, version);
  }

  private static Gate gate(ObjectNode phase, String at, String what) {
    if (!phase.hasNonNull("gate")) return Gate.DEFAULT;
    JsonNode node = phase.get("gate");
    String gateAt = at + "/gate";
    if (!node.isObject()) throw Problem.invalid(gateAt, what + ": gate must be an object, not " + Json.describe(node));
    ObjectNode gate = (ObjectNode) node;
    Json.onlyFields(gate, gateAt, GATE_FIELDS, what + "'s gate");
    long minSamples = Gate.DEFAULT.minSamples();
    if (gate.hasNonNull("minSamples")) {
      minSamples = Json.intWithin(gate.get("minSamples"), 0, Integer.MAX_VALUE, gateAt + "/minSamples",
          what + ": gate minSamples");
    }
    double errors = gate.hasNonNull("maxErrorRateIncrease")
        ? Json.doubleWithin(gate.get("maxErrorRateIncrease"), 0, 1, false, gateAt + "/maxErrorRateIncrease",
            what + ": gate maxErrorRateIncrease (a fraction: 0.01 is one point)")
        : Gate.DEFAULT.maxErrorRateIncrease();
    double p99 = gate.hasNonNull("maxP99Ratio")
        ? Json.doubleWithin(gate.get("maxP99Ratio"), 0, 1000, true, gateAt + "/maxP99Ratio",
            what + ": gate maxP99Ratio")
        : Gate.DEFAULT.maxP99Ratio();
    return new Gate(minSamples, errors, p99);
  }

  /** An object of version to percentage, in the order written, adding up to 100 %. */
  private static List<WeightedVersion> weights(ObjectNode node, String at, String what) {
    List<WeightedVersion> weights = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    int total = 0;
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String pointer = at + "/" + field.getKey();
      long version = versionKey(field.getKey(), pointer, what);
      if (!seen.add(version)) throw Problem.invalid(pointer, what + " version " + version + " appears twice");
      int share = Json.percent(field.getValue(), pointer, what + " of version " + version);
      weights.add(new WeightedVersion(version, share));
      total += share;
    }
    if (total != RoutingTable.ALL) {
      throw Problem.invalid(at, "weights must add up to 100 %, not " + Json.percentNode(total).asText() + " %");
    }
    return weights;
  }

  private static long versionKey(String key, String pointer, String what) {
    if (!key.matches("[0-9]{1,18}") || Long.parseLong(key) < 1) {
      throw Problem.invalid(pointer, what + ": \"" + key + "\" is not a version (a whole number of at least 1)");
    }
    return Long.parseLong(key);
  }

  /** A plan as users write it. */
  public static ObjectNode plan(RolloutPlan plan) {
    ObjectNode out = NODES.objectNode();
    out.put("targetVersion", plan.targetVersion());
    if (!plan.stickyHeader().isEmpty()) out.put("stickyHeader", plan.stickyHeader());
    ArrayNode phases = out.putArray("phases");
    for (PhaseSpec spec : plan.phases()) phases.add(phase(spec));
    return out;
  }

  private static ObjectNode phase(PhaseSpec spec) {
    if (spec instanceof PhaseSpec.Shadow shadow) return shadowPhase(shadow);
    ObjectNode out = NODES.objectNode();
    out.put("kind", spec.kind());
    Gate gate;
    if (spec instanceof PhaseSpec.Canary canary) {
      ArrayNode steps = out.putArray("steps");
      canary.stepsBasisPoints().forEach(step -> steps.add(Json.percentNode(step)));
      out.put("bakeTime", Json.formatDuration(canary.bakeTime()));
      gate = canary.gate();
    } else if (spec instanceof PhaseSpec.BlueGreen blueGreen) {
      if (!blueGreen.previewHeader().isEmpty()) out.put("previewHeader", blueGreen.previewHeader());
      out.put("previewTime", Json.formatDuration(blueGreen.previewTime()));
      out.put("keepBlueWarm", Json.formatDuration(blueGreen.keepBlueWarm()));
      gate = blueGreen.gate();
    } else if (spec instanceof PhaseSpec.Rolling rolling) {
      out.put("maxSurge", rolling.maxSurge());
      out.put("maxUnavailable", rolling.maxUnavailable());
      out.put("bakeTime", Json.formatDuration(rolling.bakeTime()));
      gate = rolling.gate();
    } else if (spec instanceof PhaseSpec.AbTest ab) {
      ObjectNode arms = out.putObject("arms");
      ab.arms().forEach(arm -> arms.set(Long.toString(arm.version()), Json.percentNode(arm.basisPoints())));
      out.set("rules", rules(ab.rules()));
      gate = ab.gate();
    } else if (spec instanceof PhaseSpec.Bandit bandit) {
      gate = bandit(out, bandit);
    } else {
      throw new IllegalArgumentException("no JSON form for phase kind '" + spec.kind() + "'");
    }
    ObjectNode gateOut = out.putObject("gate");
    gateOut.put("minSamples", gate.minSamples());
    gateOut.put("maxErrorRateIncrease", gate.maxErrorRateIncrease());
    gateOut.put("maxP99Ratio", gate.maxP99Ratio());
    return out;
  }

  /** A bandit's fields as users write them; returns its gate. */
  private static Gate bandit(ObjectNode out, PhaseSpec.Bandit bandit) {
    out.put("policy", bandit.policy().wireName());
    if (!bandit.arms().isEmpty()) {
      ArrayNode arms = out.putArray("arms");
      bandit.arms().forEach(arms::add);
    }
    out.put("epsilon", bandit.epsilon());
    out.put("interval", Json.formatDuration(bandit.reallocationInterval()));
    out.set("floor", Json.percentNode(bandit.floorBasisPoints()));
    out.put("promoteThreshold", bandit.promoteThreshold());
    out.put("minRewards", bandit.minRewards());
    return bandit.gate();
  }

  private static ObjectNode shadowPhase(PhaseSpec.Shadow shadow) {
    ObjectNode out = NODES.objectNode();
    out.put("kind", shadow.kind());
    if (!shadow.candidates().isEmpty()) {
      ArrayNode candidates = out.putArray("candidates");
      shadow.candidates().forEach(candidates::add);
    }
    out.set("mirror", Json.percentNode(shadow.mirrorBasisPoints()));
    out.put("duration", Json.formatDuration(shadow.duration()));
    ObjectNode gate = out.putObject("gate");
    gate.put("minSamples", shadow.gate().minSamples());
    gate.put("minAgreement", shadow.gate().minAgreement());
    gate.put("maxP99Ratio", shadow.gate().maxP99Ratio());
    gate.put("maxErrorRate", shadow.gate().maxErrorRate());
    return out;
  }

  private static ArrayNode rules(List<TargetingRule> rules) {
    ArrayNode out = NODES.arrayNode();
    for (TargetingRule rule : rules) {
      ObjectNode r = out.addObject();
      r.put("header", rule.header());
      ArrayNode values = r.putArray("values");
      new TreeSet<>(rule.values()).forEach(values::add);
      r.put("version", rule.version());
    }
    return out;
  }

  // ---- commands ----

  /** {@code {"weights": {"1": 70, "2": 30}}}, in percent adding up to 100, as basis points in the order written. */
  public static List<WeightedVersion> parseWeights(byte[] body) {
    ObjectNode root = Json.object(body);
    Json.onlyFields(root, "", Set.of("weights"), "a weights command");
    JsonNode weights = Json.required(root, "weights", "", "a weights command");
    if (!weights.isObject() || weights.isEmpty()) {
      throw Problem.invalid("/weights", "weights must be an object of version to percentage such as "
          + "{\"1\": 70, \"2\": 30}, not " + Json.describe(weights));
    }
    return weights((ObjectNode) weights, "/weights", "weight");
  }

  /** The optional {@code {"reason": "…"}} of a manual command; an empty body is no reason. */
  public static String parseReason(byte[] body) {
    if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) return "";
    ObjectNode root = Json.object(body);
    Json.onlyFields(root, "", Set.of("reason"), "a command");
    if (!root.hasNonNull("reason")) return "";
    String reason = Json.string(root.get("reason"), "/reason", "reason").strip();
    if (reason.length() > MAX_REASON) {
      throw Problem.invalid("/reason", "reason must be at most " + MAX_REASON + " characters, not " + reason.length());
    }
    return reason;
  }

  // ---- status ----

  /**
   * A rollout's status. {@code registeredReplicas} are the model's registered replica counts per
   * version, from which the routing table's desired counts are derived; {@code readyReplicas} what
   * this node sees ready now, which is fresher than the count the coordinator last heard of.
   */
  public static byte[] status(RolloutStatus status, Map<Long, Integer> registeredReplicas,
      Map<Long, Integer> readyReplicas) {
    return Json.write(statusNode(status, registeredReplicas, readyReplicas));
  }

  static ObjectNode statusNode(RolloutStatus status, Map<Long, Integer> registeredReplicas,
      Map<Long, Integer> readyReplicas) {
    ObjectNode out = NODES.objectNode();
    out.put("model", status.model());
    if (status.stableVersion() > 0) out.put("stableVersion", status.stableVersion());
    else out.putNull("stableVersion");
    Rollout active = status.active();
    out.put("state", active == null ? "idle" : active.paused() ? "paused" : "rolling");
    out.set("rollout", active == null ? NODES.nullNode() : rolloutNode(active));
    RoutingTable table = status.table();
    out.set("routing", table == null ? NODES.nullNode() : routing(table));
    out.set("desiredReplicas", desiredReplicas(table, registeredReplicas, active, status.stableVersion()));
    Map<Long, Integer> ready = new TreeMap<>(status.readyReplicas());
    ready.putAll(readyReplicas);
    out.set("readyReplicas", versionCounts(ready));
    out.put("lastDecision", status.lastDecision());
    ObjectNode windows = out.putObject("sinceStep");
    new TreeMap<>(status.sinceStep()).forEach((version, window) -> windows.set(Long.toString(version), window(window)));
    phaseAnalysis(out, status);
    return out;
  }

  private static ObjectNode rolloutNode(Rollout active) {
    ObjectNode out = NODES.objectNode();
    out.put("targetVersion", active.plan().targetVersion());
    PhaseSpec phase = active.phase();
    ObjectNode phaseOut = out.putObject("phase");
    phaseOut.put("index", active.phaseIndex() + 1);
    phaseOut.put("count", active.plan().phases().size());
    phaseOut.put("kind", phase.kind());
    PhaseProgress progress = active.progress();
    ObjectNode step = out.putObject("step");
    step.put("index", stepIndex(phase, progress));
    step.put("count", stepCount(phase, active));
    if (phase instanceof PhaseSpec.Canary canary && progress.step() < canary.stepsBasisPoints().size()) {
      step.set("targetPercent", Json.percentNode(canary.stepsBasisPoints().get(progress.step())));
    }
    out.put("stage", progress.stage().name());
    out.put("stageSince", progress.startedAt().toString());
    out.put("paused", active.paused());
    out.put("startedBy", active.startedBy());
    out.put("startedAt", active.startedAt().toString());
    out.set("plan", plan(active.plan()));
    return out;
  }

  /**
   * Where the phase stands, 1-based: a canary's weight step, a rolling replacement, a blue-green
   * stage. A bandit is one open-ended step, like an A/B test; its reallocations are in its progress.
   */
  static int stepIndex(PhaseSpec phase, PhaseProgress progress) {
    if (phase instanceof PhaseSpec.Bandit) return 1;
    if (phase instanceof PhaseSpec.BlueGreen) {
      return switch (progress.stage()) {
        case SWITCHED -> 2;
        case BLUE_DRAINING -> 3;
        default -> 1;
      };
    }
    return progress.step() + 1;
  }

  static int stepCount(PhaseSpec phase, Rollout active) {
    if (phase instanceof PhaseSpec.Canary canary) return canary.stepsBasisPoints().size();
    if (phase instanceof PhaseSpec.BlueGreen) return 3;
    if (phase instanceof PhaseSpec.Rolling) return Math.max(active.stableReplicas(), active.targetReplicas());
    return 1;
  }

  static ObjectNode routing(RoutingTable table) {
    ObjectNode out = NODES.objectNode();
    out.put("revision", table.revision());
    out.put("stableVersion", table.stableVersion());
    ArrayNode weights = out.putArray("weights");
    for (WeightedVersion weight : table.weights()) {
      ObjectNode w = weights.addObject();
      w.put("version", weight.version());
      w.set("percent", Json.percentNode(weight.basisPoints()));
    }
    out.set("rules", rules(table.rules()));
    if (!table.stickyHeader().isEmpty()) out.put("stickyHeader", table.stickyHeader());
    return out;
  }

  /**
   * The replicas each version should run: what the table asks for the versions it sets, else the
   * registered count for versions the model serves (stable, the rollout's target, and those with weight).
   */
  private static ObjectNode desiredReplicas(RoutingTable table, Map<Long, Integer> registered, Rollout active,
      long stable) {
    Map<Long, Integer> desired = new TreeMap<>();
    Set<Long> involved = new LinkedHashSet<>();
    if (stable > 0) involved.add(stable);
    if (active != null) involved.add(active.plan().targetVersion());
    if (table != null) {
      table.weights().forEach(w -> involved.add(w.version()));
      involved.addAll(table.replicas().keySet());
    }
    for (long version : involved) {
      int count = registered.getOrDefault(version, 0);
      desired.put(version, table == null ? count : table.replicasOf(version, count));
    }
    return versionCounts(desired);
  }

  private static ObjectNode versionCounts(Map<Long, Integer> counts) {
    ObjectNode out = NODES.objectNode();
    new TreeMap<>(counts).forEach((version, count) -> out.put(Long.toString(version), count));
    return out;
  }

  private static ObjectNode window(VersionWindow window) {
    ObjectNode out = NODES.objectNode();
    out.put("requests", window.requests());
    out.put("errors", window.errors());
    out.put("errorRate", window.errorRate());
    out.put("p99Ms", Math.round(window.p99Micros()) / 1000.0);
    return out;
  }

  // ---- what the current phase has shown: an A/B test's report, shadow comparisons, bandit allocation ----

  /**
   * Adds what the current phase has measured since it began: {@code report} for an A/B test,
   * {@code shadow} for a shadow phase, {@code bandit} for a bandit. Other phases add nothing.
   */
  static void phaseAnalysis(ObjectNode out, RolloutStatus status) {
    Rollout active = status.active();
    if (active == null) return;
    PhaseSpec phase = active.phase();
    if (phase instanceof PhaseSpec.AbTest ab) {
      out.set("report", abReport(AbReport.of(ab, status.stableVersion(), status.sinceStep())));
    } else if (phase instanceof PhaseSpec.Shadow shadow) {
      out.set("shadow", shadowComparison(shadow, status));
    } else if (phase instanceof PhaseSpec.Bandit bandit) {
      out.set("bandit", banditAllocation(bandit, status));
    }
  }

  /**
   * Per arm: share, requests, errors, p50 and p99, rewards with their mean and interval, and
   * against the control the difference, its interval, the p-value and whether it is significant.
   * {@code winner} is the best arm that beats the control significantly, else null.
   */
  static ObjectNode abReport(AbReport report) {
    ObjectNode out = NODES.objectNode();
    out.put("control", report.controlVersion());
    if (report.test() == AbReport.RewardTest.NONE) out.putNull("test");
    else out.put("test", report.test().label());
    out.put("confidence", report.confidence());
    ArrayNode arms = out.putArray("arms");
    for (AbReport.Arm arm : report.arms()) {
      ObjectNode a = arms.addObject();
      a.put("version", arm.version());
      a.set("percent", Json.percentNode(arm.basisPoints()));
      a.put("control", arm.control());
      a.put("requests", arm.requests());
      a.put("errors", arm.errors());
      a.put("errorRate", arm.errorRate());
      a.put("p50Ms", millis(arm.p50Micros()));
      a.put("p99Ms", millis(arm.p99Micros()));
      a.put("rewards", arm.rewards().count());
      number(a, "meanReward", arm.meanReward());
      a.set("interval", interval(arm.rewardInterval()));
      arm.vsControl().ifPresent(vs -> a.set("vsControl", comparison(vs, report.confidence())));
    }
    Optional<AbReport.Arm> winner = report.significantWinner();
    if (winner.isPresent()) out.put("winner", winner.get().version());
    else out.putNull("winner");
    return out;
  }

  private static ObjectNode comparison(AbReport.Comparison vs, double confidence) {
    ObjectNode out = NODES.objectNode();
    number(out, "difference", vs.difference());
    out.set("interval", interval(vs.differenceInterval()));
    number(out, "relativeDifference", vs.relativeDifference());
    number(out, "statistic", vs.test().map(TestResult::statistic).orElse(Double.NaN));
    number(out, "degreesOfFreedom", vs.test().map(TestResult::degreesOfFreedom).orElse(Double.NaN));
    number(out, "pValue", vs.test().map(TestResult::pValue).orElse(Double.NaN));
    out.put("significant", vs.significantAt(confidence));
    out.put("errorRateDifference", vs.errorRateDifference());
    number(out, "p99Ratio", vs.p99Ratio());
    return out;
  }

  /**
   * Per candidate (the target when the phase names none): copies mirrored, dropped at the
   * in-flight limit, failed and compared; argmax agreement with stable over the classified ones
   * and its Wilson interval; mean and max absolute output difference; p99 against stable's.
   */
  static ObjectNode shadowComparison(PhaseSpec.Shadow spec, RolloutStatus status) {
    ObjectNode out = NODES.objectNode();
    RoutingTable table = status.table();
    out.set("mirrorPercent", Json.percentNode(table == null ? spec.mirrorBasisPoints() : table.mirror().basisPoints()));
    VersionWindow stable = status.sinceStep().getOrDefault(status.stableVersion(), VersionWindow.empty());
    out.put("stableVersion", status.stableVersion());
    out.put("stableRequests", stable.requests());
    out.put("stableP99Ms", millis(stable.p99Micros()));
    ArrayNode candidates = out.putArray("candidates");
    List<Long> versions = spec.candidates().isEmpty() ? List.of(status.active().plan().targetVersion()) : spec.candidates();
    for (long version : versions) {
      ShadowStats shadow = status.sinceStep().getOrDefault(version, VersionWindow.empty()).shadow();
      ObjectNode c = candidates.addObject();
      c.put("version", version);
      c.put("mirrored", shadow.mirrored());
      c.put("dropped", shadow.dropped());
      c.put("errors", shadow.errors());
      c.put("errorRate", shadow.errorRate());
      c.put("compared", shadow.compared());
      c.put("classified", shadow.classified());
      c.put("agreed", shadow.agreed());
      number(c, "agreement", shadow.agreement());
      c.set("agreementInterval", interval(ConfidenceIntervals.wilson(shadow.agreed(), shadow.classified(),
          AbReport.DEFAULT_CONFIDENCE)));
      c.put("meanAbsDiff", shadow.meanAbsDiff());
      c.put("maxAbsDiff", shadow.maxAbsDiff());
      c.put("p99Ms", millis(shadow.p99Micros()));
      number(c, "p99Ratio", shadow.latency().total() == 0 || stable.p99Micros() == 0 ? Double.NaN
          : shadow.p99Micros() / stable.p99Micros());
    }
    return out;
  }

  /**
   * Per arm (stable and target when the phase names none): its current allocation, which is its
   * weight in the routing table, and its requests and rewards since the phase began (the totals
   * the phase keeps at each reallocation, plus what edges reported since the last one) with the
   * mean reward and its interval.
   */
  static ObjectNode banditAllocation(PhaseSpec.Bandit spec, RolloutStatus status) {
    ObjectNode out = NODES.objectNode();
    out.put("policy", spec.policy().wireName());
    RoutingTable table = status.table();
    if (table == null) out.putNull("revision");
    else out.put("revision", table.revision());
    BanditProgress progress = status.active().progress().bandit();
    out.put("reallocations", progress == null ? 0 : status.active().progress().step());
    ArrayNode arms = out.putArray("arms");
    List<Long> versions = spec.arms().isEmpty()
        ? List.of(status.stableVersion(), status.active().plan().targetVersion()) : spec.arms();
    for (long version : versions) {
      VersionWindow phase = status.sinceStep().getOrDefault(version, VersionWindow.empty());
      if (progress != null) phase = progress.totalsOf(version).plus(phase);
      RewardStats rewards = phase.rewards();
      ObjectNode a = arms.addObject();
      a.put("version", version);
      a.set("allocationPercent", Json.percentNode(table == null ? 0 : table.weightOf(version)));
      a.put("requests", phase.requests());
      a.put("rewards", rewards.count());
      number(a, "meanReward", rewards.count() == 0 ? Double.NaN : rewards.mean());
      a.set("interval", interval(SignificanceTests.binary(rewards)
          ? ConfidenceIntervals.wilson(Math.round(rewards.sum()), rewards.count(), AbReport.DEFAULT_CONFIDENCE)
          : ConfidenceIntervals.mean(rewards, AbReport.DEFAULT_CONFIDENCE)));
    }
    return out;
  }

  /** A finite number, or null where there is none (no data, a constant arm's infinite statistic). */
  private static void number(ObjectNode out, String field, double value) {
    if (Double.isFinite(value)) out.put(field, value);
    else out.putNull(field);
  }

  private static JsonNode interval(Optional<Interval> interval) {
    if (interval.isEmpty()) return NODES.nullNode();
    ArrayNode out = NODES.arrayNode();
    out.add(interval.get().low());
    out.add(interval.get().high());
    return out;
  }

  private static double millis(double micros) {
    return Math.round(micros) / 1000.0;
  }

  // ---- history ----

  /**
   * A page of history: {@code next} is the cursor to pass as {@code after} for the following page,
   * {@code lastSequence} the newest entry there is.
   */
  public static byte[] history(HistoryPage page, long after) {
    ObjectNode out = NODES.objectNode();
    ArrayNode entries = out.putArray("entries");
    page.entries().forEach(entry -> entries.add(entry(entry)));
    long next = page.entries().isEmpty() ? after : page.entries().get(page.entries().size() - 1).sequence();
    out.put("next", next);
    out.put("lastSequence", page.lastSequence());
    out.put("more", next < page.lastSequence());
    return Json.write(out);
  }

  static ObjectNode entry(HistoryEntry entry) {
    ObjectNode out = NODES.objectNode();
    out.put("sequence", entry.sequence());
    out.put("at", entry.at().toString());
    out.put("event", entry.event());
    out.put("by", entry.by());
    out.put("detail", entry.detail());
    return out;
  }

  // ---- server-sent events ----

  /** One history entry as a server-sent event: {@code id} its sequence, {@code event} its name, {@code data} its JSON. */
  public static String event(HistoryEntry entry) {
    // Event names are class names and JSON from Jackson has no raw line breaks: no field needs splitting.
    return "id: " + entry.sequence() + "\nevent: " + entry.event() + "\ndata: "
        + new String(Json.write(entry(entry)), StandardCharsets.UTF_8) + "\n\n";
  }

  /** A comment line, ignored by clients, that keeps proxies from closing an idle stream. */
  public static final String KEEP_ALIVE = ": keep-alive\n\n";

  /** Sent first: how long a client waits before reconnecting (milliseconds). */
  public static String retry(Duration wait) {
    return "retry: " + wait.toMillis() + "\n\n";
  }
}

package io.turnout.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.turnout.protocol.rollout.BanditPolicy;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rollout plans as the admin API reads them (see the node's {@code RolloutJson}), built from
 * {@code rollout start}'s flags (one phase per kind given, in the order given) or read from a JSON
 * or YAML file. Only the shape is built here: the node checks the values and answers 422 with a
 * precise detail when one is wrong.
 */
final class PlanBuilder {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private PlanBuilder() {}

  /** The phase kinds flags can build, in the order they run when nothing else says. */
  static final List<String> KINDS = List.of("shadow", "canary", "blueGreen", "rolling", "ab", "bandit");

  /**
   * What {@code rollout start}'s flags say; null where a flag (or a phase's whole group) was not
   * given. {@code order} lists the phase kinds in the order their flags came on the command line,
   * which is the order the phases run in; empty means {@link #KINDS}' order.
   */
  record Flags(
      Long target,
      String stickyHeader,
      List<String> order,
      Shadow shadow,
      String canarySteps,
      String bake,
      BlueGreen blueGreen,
      Rolling rolling,
      Ab ab,
      Bandit bandit,
      Gate gate) {

    Flags {
      order = order == null ? List.of() : List.copyOf(order);
    }

    /** The kinds of phase the flags ask for, in the order they run. */
    List<String> kinds() {
      List<String> given = new ArrayList<>();
      if (shadow != null) given.add("shadow");
      if (canarySteps != null) given.add("canary");
      if (blueGreen != null) given.add("blueGreen");
      if (rolling != null) given.add("rolling");
      if (ab != null) given.add("ab");
      if (bandit != null) given.add("bandit");
      List<String> ordered = new ArrayList<>();
      for (String kind : order) if (given.contains(kind) && !ordered.contains(kind)) ordered.add(kind);
      for (String kind : KINDS) if (given.contains(kind) && !ordered.contains(kind)) ordered.add(kind);
      return ordered;
    }
  }

  /** {@code --shadow PERCENT}: mirror that share of stable's requests to the candidates and compare. */
  record Shadow(String mirror, String candidates, String duration, Long minSamples, Double minAgreement,
      Double maxP99Ratio, Double maxErrorRate) {}

  record BlueGreen(String previewHeader, String previewTime, String keepBlueWarm) {}

  record Rolling(Integer maxSurge, Integer maxUnavailable) {}

  record Ab(String arms, List<String> rules) {
    Ab {
      rules = rules == null ? List.of() : List.copyOf(rules);
    }
  }

  /** {@code --bandit POLICY}: reallocate traffic between arms from their rewards. */
  record Bandit(String policy, String arms, Double epsilon, String interval, String floor, Double promoteThreshold,
      Long minRewards) {}

  /** The gate of every phase but shadow (which has its own). */
  record Gate(Long minSamples, Double maxErrorIncrease, Double maxP99Ratio) {
    boolean empty() {
      return minSamples == null && maxErrorIncrease == null && maxP99Ratio == null;
    }
  }

  /** A plan from flags: one phase per kind given, in the order given. */
  static ObjectNode fromFlags(Flags flags) {
    if (flags.target() == null) throw CliException.usage("--target is required unless the plan comes from --file");
    List<String> kinds = flags.kinds();
    if (kinds.isEmpty()) {
      throw CliException.usage("say how to roll out: --shadow, --canary, --blue-green, --rolling, --ab or --bandit"
          + " (several run in the order given), or a plan file (--file)");
    }
    refuse(flags.bake() != null && flags.canarySteps() == null && flags.rolling() == null,
        "--bake belongs to --canary and --rolling" + (flags.ab() != null ? ": an A/B test runs until promoted or aborted"
            : flags.blueGreen() != null ? "; --blue-green has --preview-time" : ""));
    refuse(flags.gate() != null && !flags.gate().empty() && kinds.equals(List.of("shadow")),
        "--min-samples, --max-error-increase and --max-p99-ratio gate canary, blue-green, rolling, A/B and bandit"
            + " phases; a shadow phase has --shadow-min-samples, --min-agreement, --shadow-max-p99-ratio and"
            + " --shadow-max-error-rate");
    ObjectNode plan = NODES.objectNode();
    plan.put("targetVersion", flags.target());
    if (flags.stickyHeader() != null) plan.put("stickyHeader", flags.stickyHeader());
    ArrayNode phases = plan.putArray("phases");
    for (String kind : kinds) {
      ObjectNode phase = phases.addObject();
      phase.put("kind", kind);
      switch (kind) {
        case "shadow" -> shadow(phase, flags.shadow());
        case "canary" -> {
          ArrayNode steps = phase.putArray("steps");
          for (String step : split(flags.canarySteps(), "--canary")) steps.add(percent(step, "--canary"));
          phase.put("bakeTime", required(flags.bake(), "--canary needs --bake (e.g. --bake 30s)"));
        }
        case "blueGreen" -> {
          BlueGreen blueGreen = flags.blueGreen();
          if (blueGreen.previewHeader() != null) phase.put("previewHeader", blueGreen.previewHeader());
          phase.put("previewTime", required(blueGreen.previewTime(), "--blue-green needs --preview-time (e.g. 1m)"));
          if (blueGreen.keepBlueWarm() != null) phase.put("keepBlueWarm", blueGreen.keepBlueWarm());
        }
        case "rolling" -> {
          Rolling rolling = flags.rolling();
          if (rolling.maxSurge() != null) phase.put("maxSurge", rolling.maxSurge());
          if (rolling.maxUnavailable() != null) phase.put("maxUnavailable", rolling.maxUnavailable());
          phase.put("bakeTime", required(flags.bake(), "--rolling needs --bake (e.g. --bake 30s)"));
        }
        case "ab" -> {
          ObjectNode arms = phase.putObject("arms");
          for (Map.Entry<String, String> arm : pairs(flags.ab().arms(), "--ab").entrySet()) {
            arms.set(version(arm.getKey(), "--ab"), percent(arm.getValue(), "--ab"));
          }
          if (!flags.ab().rules().isEmpty()) {
            ArrayNode rules = phase.putArray("rules");
            for (String rule : flags.ab().rules()) rules.add(rule(rule));
          }
        }
        default -> bandit(phase, flags.bandit());
      }
      if (!kind.equals("shadow")) gate(phase, flags.gate());
    }
    return plan;
  }

  private static void shadow(ObjectNode phase, Shadow shadow) {
    if (shadow.candidates() != null) phase.set("candidates", versions(shadow.candidates(), "--shadow-candidates"));
    phase.set("mirror", percent(shadow.mirror(), "--shadow"));
    phase.put("duration", required(shadow.duration(), "--shadow needs --shadow-duration (e.g. 60s)"));
    if (shadow.minSamples() != null || shadow.minAgreement() != null || shadow.maxP99Ratio() != null
        || shadow.maxErrorRate() != null) {
      ObjectNode gate = phase.putObject("gate");
      if (shadow.minSamples() != null) gate.put("minSamples", shadow.minSamples());
      if (shadow.minAgreement() != null) gate.put("minAgreement", shadow.minAgreement());
      if (shadow.maxP99Ratio() != null) gate.put("maxP99Ratio", shadow.maxP99Ratio());
      if (shadow.maxErrorRate() != null) gate.put("maxErrorRate", shadow.maxErrorRate());
    }
  }

  private static void bandit(ObjectNode phase, Bandit bandit) {
    try {
      phase.put("policy", BanditPolicy.fromWireName(bandit.policy()).wireName());
    } catch (IllegalArgumentException unknown) {
      throw CliException.usage("--bandit: " + unknown.getMessage());
    }
    if (bandit.arms() != null) phase.set("arms", versions(bandit.arms(), "--arms"));
    if (bandit.epsilon() != null) phase.put("epsilon", bandit.epsilon());
    phase.put("interval", required(bandit.interval(), "--bandit needs --interval: how often to reallocate (e.g. 5s)"));
    if (bandit.floor() != null) phase.set("floor", percent(bandit.floor(), "--floor"));
    if (bandit.promoteThreshold() != null) phase.put("promoteThreshold", bandit.promoteThreshold());
    if (bandit.minRewards() != null) phase.put("minRewards", bandit.minRewards());
  }

  private static void gate(ObjectNode phase, Gate gate) {
    if (gate == null || gate.empty()) return;
    ObjectNode out = phase.putObject("gate");
    if (gate.minSamples() != null) out.put("minSamples", gate.minSamples());
    if (gate.maxErrorIncrease() != null) out.put("maxErrorRateIncrease", gate.maxErrorIncrease());
    if (gate.maxP99Ratio() != null) out.put("maxP99Ratio", gate.maxP99Ratio());
  }

  /** {@code 1,2} as an array of version numbers. */
  private static ArrayNode versions(String text, String flag) {
    ArrayNode versions = NODES.arrayNode();
    for (String part : split(text, flag)) versions.add(Long.parseLong(version(part, flag)));
    return versions;
  }

  /**
   * A plan file: JSON, or YAML when its name ends in .yaml or .yml. {@code target}, when given,
   * replaces the file's target version (one plan file for every release).
   */
  static ObjectNode fromFile(Path file, Long target) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw CliException.usage("no plan file " + file);
    } catch (IOException e) {
      throw CliException.usage("cannot read the plan file " + file + ": " + e.getMessage());
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    JsonNode parsed;
    try {
      parsed = (yaml ? YAML : AdminClient.JSON).readTree(text);
    } catch (JsonProcessingException e) {
      throw CliException.usage("the plan file " + file + " is not valid " + (yaml ? "YAML" : "JSON") + ": "
          + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ")");
    }
    if (parsed == null || !parsed.isObject()) {
      throw CliException.usage("the plan file " + file + " must hold one object with targetVersion and phases");
    }
    ObjectNode plan = (ObjectNode) parsed;
    if (target != null) plan.put("targetVersion", target);
    return plan;
  }

  /** {@code 1=70,2=30} as the admin API's weights object, in the order written. */
  static ObjectNode weights(String text) {
    ObjectNode weights = NODES.objectNode();
    for (Map.Entry<String, String> pair : pairs(text, "weights").entrySet()) {
      weights.set(version(pair.getKey(), "weights"), percent(pair.getValue(), "weights"));
    }
    ObjectNode body = NODES.objectNode();
    body.set("weights", weights);
    return body;
  }

  /** {@code HEADER[=VALUE|VALUE…]:VERSION}: requests with that header (and one of the values) go to the version. */
  static ObjectNode rule(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw CliException.usage("--rule must be HEADER[=VALUE|VALUE...]:VERSION, such as X-Segment=beta:2, not '" + text + "'");
    }
    String match = text.substring(0, colon).strip();
    ObjectNode rule = NODES.objectNode();
    int equals = match.indexOf('=');
    rule.put("header", equals < 0 ? match : match.substring(0, equals).strip());
    if (equals >= 0) {
      ArrayNode values = rule.putArray("values");
      for (String value : match.substring(equals + 1).split("\\|")) values.add(value.strip());
    }
    rule.put("version", Long.parseLong(version(text.substring(colon + 1).strip(), "--rule")));
    return rule;
  }

  private static List<String> split(String text, String flag) {
    List<String> parts = new ArrayList<>();
    for (String part : text.split(",")) {
      if (part.isBlank()) throw CliException.usage(flag + " has an empty item in '" + text + "'");
      parts.add(part.strip());
    }
    return parts;
  }

  private static Map<String, String> pairs(String text, String flag) {
    Map<String, String> pairs = new LinkedHashMap<>();
    for (String part : split(text, flag)) {
      int equals = part.indexOf('=');
      if (equals <= 0 || equals == part.length() - 1) {
        throw CliException.usage(flag + " must be VERSION=PERCENT pairs such as 1=70,2=30, not '" + text + "'");
      }
      String version = part.substring(0, equals).strip();
      if (pairs.put(version, part.substring(equals + 1).strip()) != null) {
        throw CliException.usage(flag + " names version " + version + " twice");
      }
    }
    return pairs;
  }

  private static String version(String text, String flag) {
    if (!text.matches("[0-9]{1,18}")) throw CliException.usage(flag + ": '" + text + "' is not a version number");
    return text;
  }

  /** A percentage as a JSON number: "5", "12.5", "5%". */
  private static JsonNode percent(String text, String flag) {
    String number = text.endsWith("%") ? text.substring(0, text.length() - 1).strip() : text;
    try {
      BigDecimal value = new BigDecimal(number);
      return value.stripTrailingZeros().scale() <= 0 ? NODES.numberNode(value.intValueExact())
          : NODES.numberNode(value);
    } catch (NumberFormatException | ArithmeticException e) {
      throw CliException.usage(flag + ": '" + text + "' is not a percentage");
    }
  }

  private static String required(String value, String message) {
    if (value == null) throw CliException.usage(message);
    return value;
  }

  private static void refuse(boolean condition, String message) {
    if (condition) throw CliException.usage(message);
  }
}

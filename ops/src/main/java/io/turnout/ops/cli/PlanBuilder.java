package io.turnout.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
 * {@code rollout start}'s flags or read from a JSON or YAML file. Only the shape is built here: the
 * node checks the values and answers 422 with a precise detail when one is wrong.
 */
final class PlanBuilder {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private PlanBuilder() {}

  /** What {@code rollout start}'s flags say; null where a flag was not given. */
  record Flags(
      Long target,
      String stickyHeader,
      String canarySteps,
      String bake,
      boolean blueGreen,
      String previewHeader,
      String previewTime,
      String keepBlueWarm,
      boolean rolling,
      Integer maxSurge,
      Integer maxUnavailable,
      String abArms,
      List<String> rules,
      Long minSamples,
      Double maxErrorIncrease,
      Double maxP99Ratio) {

    Flags {
      rules = rules == null ? List.of() : List.copyOf(rules);
    }

    int phaseKinds() {
      return (canarySteps != null ? 1 : 0) + (blueGreen ? 1 : 0) + (rolling ? 1 : 0) + (abArms != null ? 1 : 0);
    }
  }

  /** A one-phase plan from flags. */
  static ObjectNode fromFlags(Flags flags) {
    if (flags.target() == null) throw CliException.usage("--target is required unless the plan comes from --file");
    if (flags.phaseKinds() == 0) {
      throw CliException.usage("say how to roll out: --canary STEPS, --blue-green, --rolling or --ab ARMS (or --file)");
    }
    if (flags.phaseKinds() > 1) {
      throw CliException.usage("flags build one phase: give one of --canary, --blue-green, --rolling or --ab, and"
          + " write a plan file (--file) for several phases");
    }
    ObjectNode plan = NODES.objectNode();
    plan.put("targetVersion", flags.target());
    if (flags.stickyHeader() != null) plan.put("stickyHeader", flags.stickyHeader());
    ObjectNode phase = plan.putArray("phases").addObject();
    if (flags.canarySteps() != null) {
      phase.put("kind", "canary");
      ArrayNode steps = phase.putArray("steps");
      for (String step : split(flags.canarySteps(), "--canary")) steps.add(percent(step, "--canary"));
      phase.put("bakeTime", required(flags.bake(), "--canary needs --bake (e.g. --bake 30s)"));
      refuse(flags.previewTime() != null || flags.previewHeader() != null || flags.keepBlueWarm() != null,
          "--preview-* and --keep-blue-warm belong to --blue-green");
    } else if (flags.blueGreen()) {
      phase.put("kind", "blueGreen");
      if (flags.previewHeader() != null) phase.put("previewHeader", flags.previewHeader());
      phase.put("previewTime", required(flags.previewTime(), "--blue-green needs --preview-time (e.g. 1m)"));
      if (flags.keepBlueWarm() != null) phase.put("keepBlueWarm", flags.keepBlueWarm());
      refuse(flags.bake() != null, "--bake belongs to --canary and --rolling; --blue-green has --preview-time");
    } else if (flags.rolling()) {
      phase.put("kind", "rolling");
      if (flags.maxSurge() != null) phase.put("maxSurge", flags.maxSurge());
      if (flags.maxUnavailable() != null) phase.put("maxUnavailable", flags.maxUnavailable());
      phase.put("bakeTime", required(flags.bake(), "--rolling needs --bake (e.g. --bake 30s)"));
    } else {
      phase.put("kind", "ab");
      ObjectNode arms = phase.putObject("arms");
      for (Map.Entry<String, String> arm : pairs(flags.abArms(), "--ab").entrySet()) {
        arms.set(version(arm.getKey(), "--ab"), percent(arm.getValue(), "--ab"));
      }
      if (!flags.rules().isEmpty()) {
        ArrayNode rules = phase.putArray("rules");
        for (String rule : flags.rules()) rules.add(rule(rule));
      }
      refuse(flags.bake() != null, "--bake does not apply to --ab: an A/B test runs until promoted or aborted");
    }
    refuse(!flags.rules().isEmpty() && flags.abArms() == null, "--rule belongs to --ab");
    refuse((flags.maxSurge() != null || flags.maxUnavailable() != null) && !flags.rolling(),
        "--max-surge and --max-unavailable belong to --rolling");
    if (flags.minSamples() != null || flags.maxErrorIncrease() != null || flags.maxP99Ratio() != null) {
      ObjectNode gate = phase.putObject("gate");
      if (flags.minSamples() != null) gate.put("minSamples", flags.minSamples());
      if (flags.maxErrorIncrease() != null) gate.put("maxErrorRateIncrease", flags.maxErrorIncrease());
      if (flags.maxP99Ratio() != null) gate.put("maxP99Ratio", flags.maxP99Ratio());
    }
    return plan;
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

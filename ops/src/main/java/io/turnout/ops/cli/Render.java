package io.turnout.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The text output of {@code turnoutctl}: the admin API's JSON as lines for people. Pure. */
final class Render {
  private Render() {}

  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
  static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
      .withZone(ZoneId.systemDefault());

  // ---- versions ----

  static String registered(JsonNode version) {
    return (version.path("created").asBoolean() ? "registered " : "already registered, unchanged but replicas: ")
        + version.path("model").asText() + "@" + version.path("version").asLong() + " from "
        + version.path("artifact").asText() + " with " + version.path("replicas").asInt() + " "
        + plural(version.path("replicas").asInt(), "replica");
  }

  static String versions(JsonNode model) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"VERSION", "STATE", "READY/WANTED", "WEIGHT", "ARTIFACT"});
    List<String> failures = new ArrayList<>();
    for (JsonNode version : model.path("versions")) {
      JsonNode weight = version.path("weightPercent");
      rows.add(new String[] {
          version.path("version").asText(),
          version.path("state").asText(),
          version.at("/replicas/ready").asInt() + "/" + version.at("/replicas/wanted").asInt(),
          weight.isMissingNode() || weight.isNull() ? "-" : weight.asText() + " %",
          version.path("artifact").asText()});
      if (version.hasNonNull("failure")) {
        failures.add("version " + version.path("version").asText() + " failed: " + version.path("failure").asText());
      }
    }
    StringBuilder out = new StringBuilder(table(rows));
    failures.forEach(failure -> out.append(failure).append('\n'));
    return out.toString();
  }

  // ---- rollouts ----

  static String status(JsonNode status) {
    StringBuilder out = new StringBuilder();
    String model = status.path("model").asText();
    String stable = status.path("stableVersion").isNull() ? "none" : "v" + status.path("stableVersion").asLong();
    JsonNode rollout = status.path("rollout");
    if (rollout.isNull() || rollout.isMissingNode()) {
      out.append(model).append(": stable ").append(stable).append(", no rollout in progress\n");
    } else {
      out.append(model).append(": stable ").append(stable).append(", rolling out v")
          .append(rollout.path("targetVersion").asLong())
          .append(rollout.path("paused").asBoolean() ? " (PAUSED)" : "")
          .append(", started by ").append(rollout.path("startedBy").asText())
          .append(" at ").append(time(rollout.path("startedAt").asText(), DATE_TIME)).append('\n');
      out.append("  ").append(position(rollout)).append('\n');
    }
    JsonNode routing = status.path("routing");
    if (!routing.isNull() && !routing.isMissingNode()) {
      out.append("  weights: ").append(weights(routing));
      String rules = rules(routing.path("rules"));
      if (!rules.isEmpty()) out.append("; rules: ").append(rules);
      out.append('\n');
    }
    JsonNode desired = status.path("desiredReplicas");
    if (desired.size() > 0) {
      List<String> replicas = new ArrayList<>();
      desired.properties().forEach(entry -> replicas.add("v" + entry.getKey() + " "
          + status.path("readyReplicas").path(entry.getKey()).asInt(0) + "/" + entry.getValue().asInt() + " ready"));
      out.append("  replicas: ").append(String.join(", ", replicas)).append('\n');
    }
    JsonNode windows = status.path("sinceStep");
    if (windows.size() > 0) {
      List<String> seen = new ArrayList<>();
      windows.properties().forEach(entry -> seen.add("v" + entry.getKey() + " " + entry.getValue().path("requests").asLong()
          + " req, " + String.format(Locale.ROOT, "%.2f", entry.getValue().path("errorRate").asDouble() * 100)
          + " % errors, p99 " + entry.getValue().path("p99Ms").asDouble() + " ms"));
      out.append("  since step: ").append(String.join("; ", seen)).append('\n');
    }
    String decision = status.path("lastDecision").asText("");
    if (!decision.isEmpty()) out.append("  last decision: ").append(decision).append('\n');
    return out.toString();
  }

  /** "phase 1/2 canary, step 2/4 (25 %), BAKING since 10:00:40". */
  static String position(JsonNode rollout) {
    JsonNode phase = rollout.path("phase");
    JsonNode step = rollout.path("step");
    return "phase " + phase.path("index").asInt() + "/" + phase.path("count").asInt() + " " + phase.path("kind").asText()
        + ", step " + step.path("index").asInt() + "/" + step.path("count").asInt()
        + (step.has("targetPercent") ? " (" + step.path("targetPercent").asText() + " %)" : "")
        + ", " + rollout.path("stage").asText() + " since " + time(rollout.path("stageSince").asText(), TIME);
  }

  static String weights(JsonNode routing) {
    List<String> weights = new ArrayList<>();
    for (JsonNode weight : routing.path("weights")) {
      weights.add("v" + weight.path("version").asLong() + " " + weight.path("percent").asText() + " %");
    }
    return String.join(", ", weights);
  }

  private static String rules(JsonNode rules) {
    List<String> text = new ArrayList<>();
    for (JsonNode rule : rules) {
      List<String> values = new ArrayList<>();
      rule.path("values").forEach(v -> values.add(v.asText()));
      text.add(rule.path("header").asText() + (values.isEmpty() ? "" : " in " + values) + " -> v"
          + rule.path("version").asLong());
    }
    return String.join(", ", text);
  }

  /**
   * A progress bar of the current phase for a terminal: the phase's share done, filled in
   * {@code width} cells, then where it stands.
   */
  static String progressBar(JsonNode status, int width) {
    JsonNode rollout = status.path("rollout");
    if (rollout.isNull() || rollout.isMissingNode()) return "no rollout in progress";
    int index = rollout.at("/step/index").asInt();
    int count = Math.max(1, rollout.at("/step/count").asInt());
    int filled = Math.min(width, Math.round((float) width * index / count));
    return "v" + rollout.path("targetVersion").asLong() + " [" + "#".repeat(filled) + "-".repeat(width - filled) + "] "
        + position(rollout) + (rollout.path("paused").asBoolean() ? " PAUSED" : "");
  }

  // ---- history and events ----

  static String historyLine(JsonNode entry) {
    return String.format(Locale.ROOT, "%5d  %s  %-15s %-10s %s", entry.path("sequence").asLong(),
        time(entry.path("at").asText(), DATE_TIME), entry.path("event").asText(), entry.path("by").asText(),
        entry.path("detail").asText());
  }

  static String eventLine(JsonNode entry) {
    String detail = entry.path("detail").asText();
    return time(entry.path("at").asText(), TIME) + " " + entry.path("event").asText() + " by "
        + entry.path("by").asText() + (detail.isEmpty() ? "" : ": " + detail);
  }

  // ---- cluster ----

  static String cluster(JsonNode cluster) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ADDRESS", "STATUS", "REACHABLE", "ROLES"});
    String self = cluster.path("self").asText();
    for (JsonNode member : cluster.path("members")) {
      List<String> roles = new ArrayList<>();
      member.path("roles").forEach(role -> roles.add(role.asText()));
      String address = member.path("address").asText();
      rows.add(new String[] {address + (address.equals(self) ? " (this node)" : ""), member.path("status").asText(),
          member.path("reachable").asBoolean() ? "yes" : "NO", String.join(",", roles)});
    }
    return table(rows);
  }

  // ---- helpers ----

  static String table(List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] widths = new int[columns];
    for (String[] row : rows) for (int c = 0; c < columns; c++) widths[c] = Math.max(widths[c], row[c].length());
    return rows.stream().map(row -> {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        line.append(c == columns - 1 ? row[c] : String.format("%-" + widths[c] + "s  ", row[c]));
      }
      return line.toString().stripTrailing();
    }).collect(Collectors.joining("\n", "", "\n"));
  }

  private static String time(String iso, DateTimeFormatter format) {
    try {
      return format.format(Instant.parse(iso));
    } catch (RuntimeException notATime) {
      return iso;
    }
  }

  private static String plural(int count, String word) {
    return count == 1 ? word : word + "s";
  }
}

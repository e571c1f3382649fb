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
    analysis(status).forEach(line -> out.append(line).append('\n'));
    return out.toString();
  }

  // ---- what the current phase has shown ----

  /**
   * The current phase's analysis as lines: a shadow phase's comparison per candidate, a bandit's
   * allocation per arm, or an A/B test's report; none for other phases.
   */
  static List<String> analysis(JsonNode status) {
    if (status.hasNonNull("shadow")) return shadow(status.get("shadow"));
    if (status.hasNonNull("bandit")) return bandit(status.get("bandit"));
    if (status.hasNonNull("report")) return abReport(status.get("report"));
    return List.of();
  }

  /**
   * "shadow: mirroring 100 % of v1's requests (1000, p99 2.0 ms)", then per candidate its
   * agreement with stable, output differences, latency and errors.
   */
  static List<String> shadow(JsonNode shadow) {
    List<String> lines = new ArrayList<>();
    lines.add("  shadow: mirroring " + shadow.path("mirrorPercent").asText() + " % of v" + shadow.path("stableVersion").asLong()
        + "'s requests (" + shadow.path("stableRequests").asLong() + " since the phase began, p99 "
        + millis(shadow.path("stableP99Ms")) + ")");
    for (JsonNode c : shadow.path("candidates")) {
      StringBuilder line = new StringBuilder("    v").append(c.path("version").asLong()).append(": ");
      long mirrored = c.path("mirrored").asLong();
      if (c.path("compared").asLong() == 0) {
        line.append("nothing compared yet (").append(mirrored).append(" mirrored, ")
            .append(c.path("errors").asLong()).append(" failed, ").append(c.path("dropped").asLong()).append(" dropped)");
        lines.add(line.toString());
        continue;
      }
      if (c.hasNonNull("agreement")) {
        line.append("agreement ").append(percent(c.path("agreement").asDouble()));
        JsonNode interval = c.path("agreementInterval");
        if (interval.isArray()) {
          line.append(" [").append(plainPercent(interval.get(0).asDouble())).append("–")
              .append(plainPercent(interval.get(1).asDouble())).append(" %]");
        }
        line.append(" of ").append(c.path("classified").asLong()).append(" classified");
      } else {
        line.append(c.path("compared").asLong()).append(" compared (outputs are not classes)");
      }
      line.append(" · |diff| mean ").append(decimal(c.path("meanAbsDiff").asDouble()))
          .append(" max ").append(decimal(c.path("maxAbsDiff").asDouble()))
          .append(" · p99 ").append(millis(c.path("p99Ms")));
      if (c.hasNonNull("p99Ratio")) line.append(" (").append(ratio(c.path("p99Ratio").asDouble())).append(")");
      line.append(" · errors ").append(percent(c.path("errorRate").asDouble())).append(" of ").append(mirrored)
          .append(" · dropped ").append(c.path("dropped").asLong());
      lines.add(line.toString());
    }
    return lines;
  }

  /** "bandit (thompson), routing revision 12:", then per arm a bar of its allocation and its rewards. */
  static List<String> bandit(JsonNode bandit) {
    List<String> lines = new ArrayList<>();
    lines.add("  bandit (" + bandit.path("policy").asText() + ")"
        + (bandit.hasNonNull("revision") ? ", allocation of routing revision " + bandit.path("revision").asLong() : "")
        + ":");
    List<String[]> rows = new ArrayList<>();
    for (JsonNode arm : bandit.path("arms")) {
      double share = arm.path("allocationPercent").asDouble();
      int cells = (int) Math.round(share / 100 * BANDIT_BAR);
      long rewards = arm.path("rewards").asLong();
      rows.add(new String[] {
          "    v" + arm.path("version").asLong(),
          "#".repeat(cells) + "-".repeat(BANDIT_BAR - cells),
          arm.path("allocationPercent").asText() + " %",
          arm.path("requests").asLong() + " requests",
          rewards + " " + (rewards == 1 ? "reward" : "rewards")
              + (arm.hasNonNull("meanReward") ? ", mean " + decimal(arm.path("meanReward").asDouble())
                  + interval(arm.path("interval"), false) : "")});
    }
    if (!rows.isEmpty()) lines.addAll(table(rows).lines().toList());
    return lines;
  }

  private static final int BANDIT_BAR = 20;

  /**
   * The A/B report: a header with the test, a row per arm (share, rewards, mean with its interval,
   * difference from the control with its interval and p-value, then traffic, errors and latency,
   * so that a narrow terminal cuts the least telling columns), then the verdict so far.
   */
  static List<String> abReport(JsonNode report) {
    List<String> lines = new ArrayList<>();
    long control = report.path("control").asLong();
    int confidence = (int) Math.round(report.path("confidence").asDouble() * 100);
    boolean proportions = "two-proportion z-test".equals(report.path("test").asText(""));
    lines.add("  A/B report: " + (report.hasNonNull("test") ? report.path("test").asText() : "no rewards yet")
        + ", " + confidence + " % intervals, control v" + control);
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"    ARM", "SHARE", "REWARDS", proportions ? "CONVERSION" : "MEAN REWARD", "VS CONTROL",
        "P-VALUE", "REQUESTS", "ERRORS", "P50", "P99"});
    for (JsonNode arm : report.path("arms")) {
      JsonNode vs = arm.path("vsControl");
      boolean isControl = arm.path("control").asBoolean();
      String p99 = millis(arm.path("p99Ms")) + (!isControl && vs.hasNonNull("p99Ratio")
          ? " (" + ratio(vs.path("p99Ratio").asDouble()) + ")" : "");
      String mean = arm.hasNonNull("meanReward")
          ? (proportions ? percent(arm.path("meanReward").asDouble()) : decimal(arm.path("meanReward").asDouble()))
              + interval(arm.path("interval"), proportions)
          : "-";
      String difference = isControl ? "control" : vs.hasNonNull("difference")
          ? signed(vs.path("difference").asDouble(), proportions) + signedInterval(vs.path("interval"), proportions)
              + (vs.hasNonNull("relativeDifference")
                  ? " (" + String.format(Locale.ROOT, "%+.1f %%", vs.path("relativeDifference").asDouble() * 100) + ")" : "")
          : "-";
      String p = isControl || !vs.hasNonNull("pValue") ? "-"
          : pValue(vs.path("pValue").asDouble()) + (vs.path("significant").asBoolean() ? " *" : "");
      rows.add(new String[] {"    v" + arm.path("version").asLong(), arm.path("percent").asText() + " %",
          Long.toString(arm.path("rewards").asLong()), mean, difference, p, Long.toString(arm.path("requests").asLong()),
          percent(arm.path("errorRate").asDouble()), millis(arm.path("p50Ms")), p99});
    }
    lines.addAll(table(rows).lines().toList());
    lines.add("  " + verdict(report, proportions, confidence));
    return lines;
  }

  private static String verdict(JsonNode report, boolean proportions, int confidence) {
    long control = report.path("control").asLong();
    if (!report.hasNonNull("test")) return "no rewards yet: clients post them to /v1/feedback with the Turnout-Request-Id";
    int comparisons = report.path("arms").size() - 1;
    String many = comparisons > 1
        ? " (" + comparisons + " comparisons: for " + confidence + " % over all of them, read * as p < "
            + pValue((1 - confidence / 100.0) / comparisons) + ")" : "";
    if (report.hasNonNull("winner")) {
      long winner = report.path("winner").asLong();
      for (JsonNode arm : report.path("arms")) {
        if (arm.path("version").asLong() != winner) continue;
        JsonNode vs = arm.path("vsControl");
        return "* v" + winner + " beats v" + control + ": " + signed(vs.path("difference").asDouble(), proportions)
            + ", p = " + pValue(vs.path("pValue").asDouble()) + ", significant at " + confidence + " %" + many;
      }
    }
    return "no arm differs from v" + control + " significantly at " + confidence + " % yet" + many;
  }

  /** A difference: points for proportions ("+14.4 pts"), else the plain number ("+0.158"). */
  private static String signed(double value, boolean proportions) {
    return proportions ? String.format(Locale.ROOT, "%+.1f pts", value * 100) : String.format(Locale.ROOT, "%+.3f", value);
  }

  /** " [81.7, 86.3]" in percent for proportions, else plain; empty when there is none. */
  private static String interval(JsonNode interval, boolean proportions) {
    if (!interval.isArray() || interval.size() != 2) return "";
    double low = interval.get(0).asDouble();
    double high = interval.get(1).asDouble();
    return proportions ? " [" + plainPercent(low) + ", " + plainPercent(high) + "]"
        : String.format(Locale.ROOT, " [%.3f, %.3f]", low, high);
  }

  /** " [+12.0, +16.8]" in points for proportions, else plain: the interval of a difference. */
  private static String signedInterval(JsonNode interval, boolean proportions) {
    if (!interval.isArray() || interval.size() != 2) return "";
    String format = proportions ? " [%+.1f, %+.1f]" : " [%+.3f, %+.3f]";
    double scale = proportions ? 100 : 1;
    return String.format(Locale.ROOT, format, interval.get(0).asDouble() * scale, interval.get(1).asDouble() * scale);
  }

  static String pValue(double p) {
    if (p == 0) return "0";
    return p >= 0.001 ? String.format(Locale.ROOT, "%.4f", p) : String.format(Locale.ROOT, "%.1e", p);
  }

  /** A rate as a percentage with one decimal, two below 1 %: "84.1 %", "0.40 %". */
  private static String percent(double rate) {
    double percent = rate * 100;
    return String.format(Locale.ROOT, percent > 0 && percent < 1 ? "%.2f %%" : "%.1f %%", percent);
  }

  private static String plainPercent(double rate) {
    return String.format(Locale.ROOT, "%.1f", rate * 100);
  }

  private static String decimal(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static String ratio(double value) {
    return String.format(Locale.ROOT, "%.2fx", value);
  }

  private static String millis(JsonNode ms) {
    return ms.asText("0") + " ms";
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

  static String draining(JsonNode draining) {
    return String.format(Locale.ROOT, "%s is draining (%s): not ready now, serving %.1f s more, then it hands its replicas"
            + " off (waiting up to %.1f s for them elsewhere), leaves and exits",
        draining.path("node").asText(), draining.path("reason").asText(),
        draining.path("drainPeriodMs").asLong() / 1000.0, draining.path("replicaWaitMs").asLong() / 1000.0);
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

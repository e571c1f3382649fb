package io.turnout.multijvm.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks on a rollout's history, the audit log its coordinator persists. */
public final class History {
  private History() {}

  /** One entry as the admin API shows it. */
  public record Entry(long sequence, String at, String event, String by, String detail) {
    static Entry of(JsonNode json) {
      return new Entry(json.path("sequence").asLong(), json.path("at").asText(), json.path("event").asText(),
          json.path("by").asText(), json.path("detail").asText());
    }

    @Override
    public String toString() {
      return "#" + sequence + " " + event + " by " + by + ": " + detail;
    }
  }

  /** Sequence numbers run 1, 2, 3, … with no gap and no repeat. */
  public static List<String> sequenceProblems(List<Entry> entries) {
    List<String> problems = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = entries.get(i);
      if (!seen.add(entry.sequence())) problems.add("sequence " + entry.sequence() + " appears twice");
      if (entry.sequence() != i + 1) problems.add("entry " + (i + 1) + " has sequence " + entry.sequence());
    }
    return problems;
  }

  /** What {@code after} has that {@code before} had not; fails if {@code before} is not its exact prefix. */
  public static List<Entry> appended(List<Entry> before, List<Entry> after) {
    if (after.size() < before.size() || !after.subList(0, before.size()).equals(before)) {
      throw new AssertionError("the history changed instead of growing:\nbefore: " + before + "\nafter:  " + after);
    }
    return after.subList(before.size(), after.size());
  }

  public static long count(List<Entry> entries, String event) {
    return entries.stream().filter(e -> e.event().equals(event)).count();
  }
}

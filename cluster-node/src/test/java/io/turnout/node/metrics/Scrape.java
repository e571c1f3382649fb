package io.turnout.node.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape in Prometheus' text format, parsed strictly: a line that is neither a comment nor a
 * well-formed sample fails the parse, so a test reading it also checks the format.
 */
record Scrape(List<Sample> samples, Map<String, String> types) {
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
  private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");

  static Scrape parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) continue;
      if (line.startsWith("#")) {
        Matcher type = TYPE.matcher(line);
        if (type.matches()) types.put(type.group(1), type.group(2));
        else if (!line.startsWith("# HELP ")) throw new AssertionError("unexpected comment line: " + line);
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) throw new AssertionError("not a Prometheus sample: " + line);
      Map<String, String> labels = new LinkedHashMap<>();
      if (sample.group(3) != null) {
        Matcher label = LABEL.matcher(sample.group(3));
        int end = 0;
        while (label.find() && label.start() == end) {
          labels.put(label.group(1), label.group(2));
          end = label.end();
        }
        if (end != sample.group(3).length()) throw new AssertionError("bad labels: " + line);
      }
      samples.add(new Sample(sample.group(1), labels, Double.parseDouble(sample.group(4))));
    }
    return new Scrape(samples, types);
  }

  /** Metric family names: sample names without the histogram suffixes. */
  Set<String> families() {
    Set<String> names = new TreeSet<>(types.keySet());
    samples.forEach(s -> names.add(s.name()));
    return names;
  }

  /** The one sample named {@code name} whose labels include {@code labels} (key, value, …). */
  double value(String name, String... labels) {
    List<Sample> found = find(name, labels);
    if (found.size() != 1) {
      throw new AssertionError("expected one sample " + name + " " + List.of(labels) + ", found " + found);
    }
    return found.get(0).value();
  }

  boolean has(String name, String... labels) {
    return !find(name, labels).isEmpty();
  }

  List<Sample> find(String name, String... labels) {
    List<Sample> found = new ArrayList<>();
    for (Sample sample : samples) {
      if (!sample.name().equals(name)) continue;
      boolean matches = true;
      for (int i = 0; i < labels.length; i += 2) {
        if (!labels[i + 1].equals(sample.labels().get(labels[i]))) matches = false;
      }
      if (matches) found.add(sample);
    }
    return found;
  }
}

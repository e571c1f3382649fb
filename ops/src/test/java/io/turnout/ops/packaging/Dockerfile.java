package io.turnout.ops.packaging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Dockerfile read into stages of instructions (continuations joined, comments and directives dropped). */
record Dockerfile(List<Stage> stages) {

  record Instruction(String keyword, String arguments) {}

  record Stage(String image, String name, List<Instruction> instructions) {
    List<String> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
    }

    /** ENV pairs, in both forms ({@code K=V K2="V 2"} and {@code K V}). */
    Map<String, String> env() {
      Map<String, String> env = new LinkedHashMap<>();
      for (String arguments : all("ENV")) {
        if (!arguments.contains("=")) {
          String[] parts = arguments.split("\\s+", 2);
          env.put(parts[0], parts.length > 1 ? parts[1] : "");
          continue;
        }
        Matcher pair = ENV_PAIR.matcher(arguments);
        while (pair.find()) {
          String value = pair.group(2);
          if (value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
          env.put(pair.group(1), value);
        }
      }
      return env;
    }
  }

  private static final Pattern ENV_PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)");
  private static final Pattern FROM = Pattern.compile("(?i)(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?");

  static Dockerfile parse(String text) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) continue;
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      if (current.length() > 0) lines.add(current.toString().strip());
      current.setLength(0);
    }
    List<Stage> stages = new ArrayList<>();
    for (String line : lines) {
      String[] parts = line.split("\\s+", 2);
      String keyword = parts[0].toUpperCase(Locale.ROOT);
      String arguments = parts.length > 1 ? parts[1] : "";
      if (keyword.equals("FROM")) {
        Matcher from = FROM.matcher(arguments);
        if (!from.matches()) throw new AssertionError("unreadable FROM " + arguments);
        stages.add(new Stage(from.group(1), from.group(2), new ArrayList<>()));
      } else {
        if (stages.isEmpty()) {
          if (keyword.equals("ARG")) continue;
          throw new AssertionError(keyword + " before the first FROM");
        }
        stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, arguments));
      }
    }
    return new Dockerfile(stages);
  }

  Stage stage(String name) {
    return stages.stream().filter(s -> name.equals(s.name())).findFirst()
        .orElseThrow(() -> new AssertionError("no stage " + name + " in " + stages.stream().map(Stage::name).toList()));
  }

  /** The stage {@code docker build} without --target produces. */
  Stage last() {
    return stages.get(stages.size() - 1);
  }
}

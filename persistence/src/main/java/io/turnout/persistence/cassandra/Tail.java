package io.turnout.persistence.cassandra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.stream.Stream;

/** The last lines of a log file, for error messages. */
final class Tail {
  private Tail() {}

  static String of(Path file, int lines) {
    if (!Files.isRegularFile(file)) return "  (no " + file + ")";
    Deque<String> last = new ArrayDeque<>(lines);
    try (Stream<String> all = Files.lines(file, StandardCharsets.UTF_8)) {
      all.forEach(line -> {
        if (last.size() == lines) last.removeFirst();
        last.addLast(line);
      });
    } catch (IOException | java.io.UncheckedIOException e) {
      return "  (cannot read " + file + ": " + e.getMessage() + ")";
    }
    StringBuilder text = new StringBuilder();
    for (String line : last) text.append("  | ").append(line).append('\n');
    return text.toString().stripTrailing();
  }
}

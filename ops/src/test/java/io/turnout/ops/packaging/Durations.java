package io.turnout.ops.packaging;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;

/** Durations as the node reads them (HOCON: {@code 5s}, {@code 500ms}, {@code 2 minutes}). */
final class Durations {
  private Durations() {}

  static Duration parse(String text) {
    return ConfigFactory.parseString("d = \"" + text.strip() + "\"").getDuration("d");
  }
}

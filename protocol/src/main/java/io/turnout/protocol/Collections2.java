package io.turnout.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable copies that keep insertion order, which Map.copyOf does not. */
final class Collections2 {
  private Collections2() {}

  static <K, V> Map<K, V> orderedCopy(Map<K, V> source) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(source));
  }
}

package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;
import java.util.Set;

/**
 * Sends a request to {@code version} when its header {@code header} (case-insensitive name) has one
 * of {@code values}, or any value when {@code values} is empty (a preview header, say).
 */
public record TargetingRule(String header, Set<String> values, long version) implements ClusterMessage {

  public TargetingRule {
    if (header == null || header.isBlank()) throw new IllegalArgumentException("a targeting rule needs a header");
    values = Set.copyOf(values);
  }

  public boolean matches(String headerValue) {
    return headerValue != null && (values.isEmpty() || values.contains(headerValue));
  }
}

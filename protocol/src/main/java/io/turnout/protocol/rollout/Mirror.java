package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;
import java.util.List;

/**
 * Shadow traffic of a routing table: a {@code basisPoints} sample (0..10 000) of the requests that
 * the table routes to its stable version is also sent, fire and forget, to each of
 * {@code versions}; the caller's reply never waits on them. Which requests are sampled is decided
 * per request at random, so the sample does not depend on who is calling.
 */
public record Mirror(List<Long> versions, int basisPoints) implements ClusterMessage {

  public static final Mirror NONE = new Mirror(List.of(), 0);

  public Mirror {
    versions = List.copyOf(versions);
    if (basisPoints < 0 || basisPoints > RoutingTable.ALL) {
      throw new IllegalArgumentException("mirror share must be within [0, 100] percent, got " + basisPoints / 100.0);
    }
  }

  public boolean active() {
    return basisPoints > 0 && !versions.isEmpty();
  }
}

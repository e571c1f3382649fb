package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;

/** A version's share of the traffic, in basis points (10 000 = all of it). */
public record WeightedVersion(long version, int basisPoints) implements ClusterMessage {

  public WeightedVersion {
    if (basisPoints < 0 || basisPoints > RoutingTable.ALL) {
      throw new IllegalArgumentException("weight must be within 0..10000 basis points, got " + basisPoints);
    }
  }
}

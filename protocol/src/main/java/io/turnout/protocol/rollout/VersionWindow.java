package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;

/**
 * What edges saw of one version over a window: requests answered, errors among them (5xx and
 * replica failures; a client's bad input is not the version's fault) and their latencies.
 */
public record VersionWindow(long requests, long errors, LatencyHistogram latency) implements ClusterMessage {

  public static VersionWindow empty() {
    return new VersionWindow(0, 0, LatencyHistogram.empty());
  }

  public double errorRate() {
    return requests == 0 ? 0 : (double) errors / requests;
  }

  public double p99Micros() {
    return latency.quantileMicros(0.99);
  }

  public VersionWindow plus(VersionWindow other) {
    return new VersionWindow(requests + other.requests, errors + other.errors, latency.plus(other.latency));
  }
}

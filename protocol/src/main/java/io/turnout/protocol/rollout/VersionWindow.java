package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;

/**
 * What edges saw of one version over a window: requests answered, errors among them (5xx and
 * replica failures; a client's bad input is not the version's fault) and their latencies; the
 * rewards clients posted for its predictions; and what it did as a shadow of another version.
 * Shadow copies are not requests: they count only in {@code shadow}.
 */
public record VersionWindow(long requests, long errors, LatencyHistogram latency, RewardStats rewards,
    ShadowStats shadow) implements ClusterMessage {

  public VersionWindow(long requests, long errors, LatencyHistogram latency) {
    this(requests, errors, latency, RewardStats.NONE, ShadowStats.none());
  }

  public static VersionWindow empty() {
    return new VersionWindow(0, 0, LatencyHistogram.empty());
  }

  public double errorRate() {
    return requests == 0 ? 0 : (double) errors / requests;
  }

  public double p99Micros() {
    return latency.quantileMicros(0.99);
  }

  public VersionWindow withRewards(RewardStats more) {
    return new VersionWindow(requests, errors, latency, rewards.plus(more), shadow);
  }

  public VersionWindow withShadow(ShadowStats more) {
    return new VersionWindow(requests, errors, latency, rewards, shadow.plus(more));
  }

  public VersionWindow plus(VersionWindow other) {
    return new VersionWindow(requests + other.requests, errors + other.errors, latency.plus(other.latency),
        rewards.plus(other.rewards), shadow.plus(other.shadow));
  }
}

package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;

/**
 * What edges saw of one version as a shadow: copies of primary requests mirrored to it
 * ({@code mirrored}), copies not sent because the node's shadow in-flight limit was reached
 * ({@code dropped}), copies that failed ({@code errors}) and the latency of those answered. Each
 * answered copy is compared with the primary's reply to the same request: {@code compared} counts
 * them, {@code classified} those whose output is a score per class (last dimension above 1), of
 * which {@code agreed} picked the same class (argmax) for every row; float outputs add their mean
 * absolute difference to {@code sumMeanAbsDiff} and raise {@code maxAbsDiff}.
 */
public record ShadowStats(
    long mirrored,
    long dropped,
    long errors,
    long compared,
    long classified,
    long agreed,
    double sumMeanAbsDiff,
    double maxAbsDiff,
    LatencyHistogram latency) implements ClusterMessage {

  public static ShadowStats none() {
    return new ShadowStats(0, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.empty());
  }

  public boolean isEmpty() {
    return mirrored == 0 && dropped == 0;
  }

  /** Share of classified comparisons that agreed, NaN when none was classified. */
  public double agreement() {
    return classified == 0 ? Double.NaN : (double) agreed / classified;
  }

  /** Share of mirrored copies that failed, 0 when none was mirrored. */
  public double errorRate() {
    return mirrored == 0 ? 0 : (double) errors / mirrored;
  }

  /** Mean over comparisons of each one's mean absolute difference, 0 when none. */
  public double meanAbsDiff() {
    return compared == 0 ? 0 : sumMeanAbsDiff / compared;
  }

  public double p99Micros() {
    return latency.quantileMicros(0.99);
  }

  public ShadowStats plus(ShadowStats other) {
    return new ShadowStats(mirrored + other.mirrored, dropped + other.dropped, errors + other.errors,
        compared + other.compared, classified + other.classified, agreed + other.agreed,
        sumMeanAbsDiff + other.sumMeanAbsDiff, Math.max(maxAbsDiff, other.maxAbsDiff), latency.plus(other.latency));
  }
}

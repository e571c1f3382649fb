package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;
import java.util.Arrays;

/**
 * Request latencies in fixed log-scale buckets, small enough to travel every second from each
 * edge to a coordinator and exact to about 4 % at any quantile: bucket {@code i} holds latencies up
 * to {@code 10 µs * 1.04^i}, the last bucket everything slower (~5 minutes). Immutable; merge adds.
 */
public record LatencyHistogram(long[] counts) implements ClusterMessage {
  public static final int BUCKETS = 440;
  private static final double BASE_MICROS = 10.0;
  private static final double GROWTH = 1.04;
  private static final double LOG_GROWTH = Math.log(GROWTH);

  public LatencyHistogram {
    if (counts.length != BUCKETS) throw new IllegalArgumentException("expected " + BUCKETS + " buckets");
  }

  public static LatencyHistogram empty() {
    return new LatencyHistogram(new long[BUCKETS]);
  }

  public static int bucketOf(long micros) {
    if (micros <= BASE_MICROS) return 0;
    int bucket = (int) Math.ceil(Math.log(micros / BASE_MICROS) / LOG_GROWTH);
    return Math.min(bucket, BUCKETS - 1);
  }

  /** The upper bound of a bucket, in microseconds. */
  public static double upperMicros(int bucket) {
    return BASE_MICROS * Math.pow(GROWTH, bucket);
  }

  public long total() {
    long total = 0;
    for (long count : counts) total += count;
    return total;
  }

  /** The latency at quantile {@code q} (0..1) in microseconds, or 0 when empty. */
  public double quantileMicros(double q) {
    long total = total();
    if (total == 0) return 0;
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= Math.max(rank, 1)) return upperMicros(i);
    }
    return upperMicros(BUCKETS - 1);
  }

  public LatencyHistogram plus(LatencyHistogram other) {
    long[] sum = counts.clone();
    for (int i = 0; i < BUCKETS; i++) sum[i] += other.counts[i];
    return new LatencyHistogram(sum);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatencyHistogram other && Arrays.equals(counts, other.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return "LatencyHistogram[n=" + total() + ", p50=" + quantileMicros(0.5) + "µs, p99=" + quantileMicros(0.99) + "µs]";
  }
}

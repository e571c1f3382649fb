package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.VersionWindow;

/** Windows of traffic for tests: every request of a window took the same time. */
final class Windows {
  private Windows() {}

  static VersionWindow window(long requests, long errors, long micros) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    counts[LatencyHistogram.bucketOf(micros)] = requests;
    return new VersionWindow(requests, errors, new LatencyHistogram(counts));
  }

  /** Plenty of requests, no errors, 20 ms each. */
  static VersionWindow healthy() {
    return window(1_000, 0, 20_000);
  }

  static VersionWindow none() {
    return VersionWindow.empty();
  }
}

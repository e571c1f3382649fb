package io.turnout.node.stats;

import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.VersionWindow;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this node's edge saw of each model version since the last drain: requests, errors and a
 * latency histogram. Recording is lock-free (adders and atomic buckets) because it sits on every
 * prediction; a drain every second reads and resets, and a request recorded during a drain may
 * land in either window, which the gates do not mind.
 */
public final class WindowRecorder {
  private final ConcurrentHashMap<ModelVersionId, Counters> counters = new ConcurrentHashMap<>();

  private static final class Counters {
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final AtomicLongArray latency = new AtomicLongArray(LatencyHistogram.BUCKETS);
  }

  public void record(ModelVersionId version, long latencyMicros, boolean error) {
    Counters c = counters.computeIfAbsent(version, v -> new Counters());
    c.requests.increment();
    if (error) c.errors.increment();
    c.latency.incrementAndGet(LatencyHistogram.bucketOf(latencyMicros));
  }

  /** The windows since the last drain, by model and version; versions without requests are left out. */
  public Map<String, Map<Long, VersionWindow>> drain() {
    Map<String, Map<Long, VersionWindow>> windows = new HashMap<>();
    counters.forEach((version, c) -> {
      long requests = c.requests.sumThenReset();
      if (requests == 0) return;
      long[] buckets = new long[LatencyHistogram.BUCKETS];
      for (int i = 0; i < buckets.length; i++) buckets[i] = c.latency.getAndSet(i, 0);
      windows.computeIfAbsent(version.model(), m -> new HashMap<>())
          .put(version.version(), new VersionWindow(requests, c.errors.sumThenReset(), new LatencyHistogram(buckets)));
    });
    return windows;
  }
}

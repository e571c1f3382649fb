package io.turnout.node.stats;

import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this node's edge saw of each model version since the last drain: requests, errors and a
 * latency histogram; rewards posted for its predictions; and its answers as a shadow. Recording is
 * lock-free (adders and atomic buckets) because it sits on every prediction; a drain every second
 * reads and resets, and a value recorded during a drain may land in either window, which the gates
 * do not mind.
 */
public final class WindowRecorder {
  private final ConcurrentHashMap<ModelVersionId, Counters> counters = new ConcurrentHashMap<>();

  /** How one shadow answer compared with the primary's: {@code classified} outputs have an argmax. */
  public record Comparison(boolean classified, boolean agreed, double meanAbsDiff, double maxAbsDiff) {}

  private static final class Counters {
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final AtomicLongArray latency = new AtomicLongArray(LatencyHistogram.BUCKETS);

    final LongAdder rewards = new LongAdder();
    final DoubleAdder rewardSum = new DoubleAdder();
    final DoubleAdder rewardSquares = new DoubleAdder();

    final LongAdder mirrored = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder shadowErrors = new LongAdder();
    final LongAdder compared = new LongAdder();
    final LongAdder classified = new LongAdder();
    final LongAdder agreed = new LongAdder();
    final DoubleAdder sumMeanAbsDiff = new DoubleAdder();
    final DoubleAccumulator maxAbsDiff = new DoubleAccumulator(Math::max, 0);
    final AtomicLongArray shadowLatency = new AtomicLongArray(LatencyHistogram.BUCKETS);
  }

  private Counters of(ModelVersionId version) {
    return counters.computeIfAbsent(version, v -> new Counters());
  }

  public void record(ModelVersionId version, long latencyMicros, boolean error) {
    Counters c = of(version);
    c.requests.increment();
    if (error) c.errors.increment();
    c.latency.incrementAndGet(LatencyHistogram.bucketOf(latencyMicros));
  }

  /** A reward a client posted for one of {@code version}'s predictions. */
  public void recordReward(ModelVersionId version, double reward) {
    Counters c = of(version);
    c.rewards.increment();
    c.rewardSum.add(reward);
    c.rewardSquares.add(reward * reward);
  }

  /** A copy for shadow {@code version} that was not sent: the node's shadow in-flight limit was reached. */
  public void recordShadowDropped(ModelVersionId version) {
    of(version).dropped.increment();
  }

  /**
   * A copy sent to shadow {@code version}, answered after {@code latencyMicros} or failed
   * ({@code error}); {@code comparison} is null when there was nothing to compare (an error, or a
   * primary that failed).
   */
  public void recordShadow(ModelVersionId version, long latencyMicros, boolean error, Comparison comparison) {
    Counters c = of(version);
    c.mirrored.increment();
    if (error) {
      c.shadowErrors.increment();
      return;
    }
    c.shadowLatency.incrementAndGet(LatencyHistogram.bucketOf(latencyMicros));
    if (comparison == null) return;
    c.compared.increment();
    if (comparison.classified()) {
      c.classified.increment();
      if (comparison.agreed()) c.agreed.increment();
    }
    c.sumMeanAbsDiff.add(comparison.meanAbsDiff());
    c.maxAbsDiff.accumulate(comparison.maxAbsDiff());
  }

  /** The windows since the last drain, by model and version; versions that saw nothing are left out. */
  public Map<String, Map<Long, VersionWindow>> drain() {
    Map<String, Map<Long, VersionWindow>> windows = new HashMap<>();
    counters.forEach((version, c) -> {
      long requests = c.requests.sumThenReset();
      long rewards = c.rewards.sumThenReset();
      long mirrored = c.mirrored.sumThenReset();
      long dropped = c.dropped.sumThenReset();
      if (requests == 0 && rewards == 0 && mirrored == 0 && dropped == 0) return;
      VersionWindow window = new VersionWindow(requests, c.errors.sumThenReset(), drain(c.latency),
          new RewardStats(rewards, c.rewardSum.sumThenReset(), c.rewardSquares.sumThenReset()),
          new ShadowStats(mirrored, dropped, c.shadowErrors.sumThenReset(), c.compared.sumThenReset(),
              c.classified.sumThenReset(), c.agreed.sumThenReset(), c.sumMeanAbsDiff.sumThenReset(),
              c.maxAbsDiff.getThenReset(), drain(c.shadowLatency)));
      windows.computeIfAbsent(version.model(), m -> new HashMap<>()).put(version.version(), window);
    });
    return windows;
  }

  private static LatencyHistogram drain(AtomicLongArray buckets) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    for (int i = 0; i < counts.length; i++) counts[i] = buckets.getAndSet(i, 0);
    return new LatencyHistogram(counts);
  }
}

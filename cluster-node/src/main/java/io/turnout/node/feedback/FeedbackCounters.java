package io.turnout.node.feedback;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's feedback outcomes since it started, monotonic, for metrics: accepted rewards,
 * duplicates (counted once, not again), and refusals by reason. A refused request counts once
 * under its reason; a batch counts each item.
 */
public final class FeedbackCounters {
  private final LongAdder accepted = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final EnumMap<FeedbackRefusal, LongAdder> refused = new EnumMap<>(FeedbackRefusal.class);

  public FeedbackCounters() {
    for (FeedbackRefusal reason : FeedbackRefusal.values()) refused.put(reason, new LongAdder());
  }

  public record Snapshot(long accepted, long duplicates, Map<FeedbackRefusal, Long> refused) {
    public long refused(FeedbackRefusal reason) {
      return refused.getOrDefault(reason, 0L);
    }

    public long refusedTotal() {
      return refused.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  void accepted() {
    accepted.increment();
  }

  void duplicate() {
    duplicates.increment();
  }

  void refused(FeedbackRefusal reason) {
    refused.get(reason).increment();
  }

  public Snapshot snapshot() {
    EnumMap<FeedbackRefusal, Long> counts = new EnumMap<>(FeedbackRefusal.class);
    refused.forEach((reason, count) -> counts.put(reason, count.sum()));
    return new Snapshot(accepted.sum(), duplicates.sum(), Collections.unmodifiableMap(counts));
  }
}

package io.turnout.ops.load;

import io.turnout.ops.load.FixedRateLoad.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** What a {@link FixedRateLoad} saw, in order of due time; immutable. */
public final class LoadRecord {
  private final List<Outcome> outcomes;
  private final long periodNanos;

  LoadRecord(List<Outcome> outcomes, long periodNanos) {
    List<Outcome> sorted = new ArrayList<>(outcomes);
    sorted.sort(Comparator.comparingLong(Outcome::dueNanos));
    this.outcomes = List.copyOf(sorted);
    this.periodNanos = periodNanos;
  }

  public List<Outcome> outcomes() {
    return outcomes;
  }

  /** The requests due in {@code [fromNanos, toNanos)} ({@link System#nanoTime()} values). */
  public LoadRecord dueBetween(long fromNanos, long toNanos) {
    return new LoadRecord(outcomes.stream().filter(o -> o.dueNanos() >= fromNanos && o.dueNanos() < toNanos).toList(),
        periodNanos);
  }

  public int count() {
    return outcomes.size();
  }

  public List<Outcome> failures() {
    return outcomes.stream().filter(o -> !o.ok()).toList();
  }

  public int failed() {
    return failures().size();
  }

  /** Requests due before {@code nanos} and answered after it. */
  public int inFlightAt(long nanos) {
    return (int) outcomes.stream().filter(o -> o.dueNanos() <= nanos && o.doneNanos() > nanos).count();
  }

  /** Answers by status (0: no response). */
  public Map<Integer, Long> statuses() {
    Map<Integer, Long> counts = new TreeMap<>();
    for (Outcome outcome : outcomes) counts.merge(outcome.status(), 1L, Long::sum);
    return counts;
  }

  /** Latencies in microseconds, every request (failures too). */
  public Histogram latencies() {
    Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    for (Outcome outcome : outcomes) {
      histogram.recordValue(Math.max(0, Math.min(TimeUnit.NANOSECONDS.toMicros(outcome.latencyNanos()),
          histogram.getHighestTrackableValue())));
    }
    return histogram;
  }

  public double percentileMillis(double percentile) {
    return outcomes.isEmpty() ? Double.NaN : latencies().getValueAtPercentile(percentile) / 1000.0;
  }

  /** e.g. {@code 12034 requests (200/s), 0 failed, p50 1.2 ms, p99 4.5 ms, max 30.0 ms}. */
  public String summary() {
    if (outcomes.isEmpty()) return "0 requests";
    Histogram latencies = latencies();
    return String.format(Locale.ROOT, "%d requests (%.0f/s), %d failed, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
        count(), 1e9 / periodNanos, failed(), latencies.getValueAtPercentile(50) / 1000.0,
        latencies.getValueAtPercentile(99) / 1000.0, latencies.getMaxValue() / 1000.0);
  }
}

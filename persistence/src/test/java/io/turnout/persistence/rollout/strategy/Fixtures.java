package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

/** Rollouts, windows and observations for tests. */
final class Fixtures {
  static final long STABLE = 1;
  static final long TARGET = 2;
  static final String STICKY = "X-User-Id";
  /** iris from v1 (3 replicas) to v2 (2 replicas), users sticky by X-User-Id. */
  static final RolloutContext IRIS = new RolloutContext("iris", STABLE, TARGET, STICKY, 3, 2);
  static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");

  private Fixtures() {}

  static Instant at(Duration sinceT0) {
    return T0.plus(sinceT0);
  }

  static Duration minutes(long minutes) {
    return Duration.ofMinutes(minutes);
  }

  /** {@code requests} requests, {@code errors} of them failed, each took {@code micros}. */
  static VersionWindow window(long requests, long errors, long micros) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    counts[LatencyHistogram.bucketOf(micros)] = requests;
    return new VersionWindow(requests, errors, new LatencyHistogram(counts));
  }

  /** Plenty of requests, no errors, 20 ms each. */
  static VersionWindow healthy() {
    return window(1_000, 0, 20_000);
  }

  /**
   * What a candidate did as a shadow: {@code compared} answered copies taking {@code micros} each,
   * {@code classified} of them scores per class of which {@code agreed} agreed with the primary, and
   * {@code errors} failed copies besides; each comparison differs by 0.01 on average, 0.2 at most.
   */
  static ShadowStats shadow(long compared, long classified, long agreed, long errors, long micros) {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    counts[LatencyHistogram.bucketOf(micros)] = compared;
    return new ShadowStats(compared + errors, 0, errors, compared, classified, agreed, 0.01 * compared,
        compared == 0 ? 0 : 0.2, new LatencyHistogram(counts));
  }

  /** A version's window with nothing but what it did as a shadow. */
  static VersionWindow asShadow(ShadowStats shadow) {
    return VersionWindow.empty().withShadow(shadow);
  }

  static VersionWindow none() {
    return VersionWindow.empty();
  }

  /** Both versions healthy and every registered replica of both ready. */
  static Observation healthyAt(Instant now) {
    return observe(now, healthy(), healthy(), allReady());
  }

  static Observation observe(Instant now, VersionWindow stable, VersionWindow target, Map<Long, Integer> ready) {
    return new Observation(now, Map.of(STABLE, stable, TARGET, target), ready);
  }

  static Map<Long, Integer> allReady() {
    return Map.of(STABLE, IRIS.stableReplicas(), TARGET, IRIS.targetReplicas());
  }

  static Map<Long, Integer> ready(int stable, int target) {
    return Map.of(STABLE, stable, TARGET, target);
  }

  /** The version a user with this id reaches through {@code table}. */
  static long routeUser(RoutingTable table, String userId) {
    return table.route(header(STICKY, userId), "192.0.2.1");
  }

  static Function<String, String> header(String name, String value) {
    return asked -> asked.equalsIgnoreCase(name) ? value : null;
  }

  static final Function<String, String> NO_HEADERS = name -> null;
}

package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Which version of one model serves a request, replicated to every node and read on the hot path.
 * Targeting rules are checked first, in order; then the request's sticky key (a header, else the
 * client address) hashes into one of 10 000 buckets and the weights, laid out in order from bucket
 * 0, pick the version. A canary puts its target first, so raising its weight only adds buckets:
 * a user who saw the canary keeps seeing it. Tables are immutable; every change has a higher
 * {@code revision}, which is how replicas of the table agree on the newest.
 *
 * <p>{@code replicas} is the coordinator's desired replica count for versions whose count the
 * current phase sets (a blue-green's full green, a rolling's surge, a drained blue at 0); other
 * versions keep their registered count. Each node's keeper reconciles against it, so replicas
 * follow the rollout even while the coordinator itself is moving between nodes.
 *
 * <p>{@code perRequest} tables (a bandit's allocation) draw the bucket at random for each request
 * whose sticky header is absent, instead of hashing the client address: the allocation is a
 * probability per request, and one client sending many requests must not stay on one arm.
 * {@code mirror} names the versions that shadow the stable version's traffic.
 */
public record RoutingTable(
    String model,
    long revision,
    long stableVersion,
    List<WeightedVersion> weights,
    List<TargetingRule> rules,
    String stickyHeader,
    Map<Long, Integer> replicas,
    Mirror mirror,
    boolean perRequest) implements ClusterMessage {

  public static final int ALL = 10_000;

  public RoutingTable {
    weights = List.copyOf(weights);
    rules = List.copyOf(rules);
    stickyHeader = stickyHeader == null ? "" : stickyHeader;
    replicas = Map.copyOf(replicas);
    mirror = mirror == null ? Mirror.NONE : mirror;
    int total = weights.stream().mapToInt(WeightedVersion::basisPoints).sum();
    if (!weights.isEmpty() && total != ALL) {
      throw new IllegalArgumentException("weights must add up to 10000 basis points, got " + total);
    }
  }

  /** A table that routes by sticky key and mirrors nothing. */
  public RoutingTable(String model, long revision, long stableVersion, List<WeightedVersion> weights,
      List<TargetingRule> rules, String stickyHeader, Map<Long, Integer> replicas) {
    this(model, revision, stableVersion, weights, rules, stickyHeader, replicas, Mirror.NONE, false);
  }

  /** A table that leaves every version's replica count as registered. */
  public RoutingTable(String model, long revision, long stableVersion, List<WeightedVersion> weights,
      List<TargetingRule> rules, String stickyHeader) {
    this(model, revision, stableVersion, weights, rules, stickyHeader, Map.of());
  }

  /** All traffic to {@code version}, no rules: the table of a model with no rollout in progress. */
  public static RoutingTable stable(String model, long revision, long version, String stickyHeader) {
    return new RoutingTable(model, revision, version, List.of(new WeightedVersion(version, ALL)), List.of(), stickyHeader);
  }

  /** The replica count this table asks for {@code version}, or {@code registered} when it sets none. */
  public int replicasOf(long version, int registered) {
    return replicas.getOrDefault(version, registered);
  }

  /**
   * The version for a request whose headers {@code header} answers (null when absent) and whose
   * client is {@code clientAddress}.
   */
  public long route(Function<String, String> header, String clientAddress) {
    for (TargetingRule rule : rules) {
      if (rule.matches(header.apply(rule.header()))) return rule.version();
    }
    if (weights.size() == 1) return weights.get(0).version();
    if (weights.isEmpty()) return stableVersion;
    String key = stickyHeader.isEmpty() ? null : header.apply(stickyHeader);
    if (key == null && perRequest) return versionAt(ThreadLocalRandom.current().nextInt(ALL));
    return versionAt(bucket(key != null ? key : clientAddress));
  }

  /** The version that owns {@code bucket} (0..9999) under the weights. */
  public long versionAt(int bucket) {
    int upTo = 0;
    for (WeightedVersion weighted : weights) {
      upTo += weighted.basisPoints();
      if (bucket < upTo) return weighted.version();
    }
    return stableVersion;
  }

  /** Whether a request routed to {@code version} should also be mirrored to the shadows, at random. */
  public boolean mirrors(long version) {
    return mirror.active() && version == stableVersion
        && (mirror.basisPoints() == ALL || ThreadLocalRandom.current().nextInt(ALL) < mirror.basisPoints());
  }

  /** The weight of {@code version} in basis points (0 when it has none). */
  public int weightOf(long version) {
    return weights.stream().filter(w -> w.version() == version).mapToInt(WeightedVersion::basisPoints).sum();
  }

  /** A stable hash of the sticky key into 0..9999, the same on every node and JVM (FNV-1a, 32 bit). */
  public static int bucket(String stickyKey) {
    int hash = 0x811c9dc5;
    for (byte b : (stickyKey == null ? "" : stickyKey).getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    return Math.floorMod(hash, ALL);
  }
}

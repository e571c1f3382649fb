package io.turnout.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.turnout.node.cluster.ClusterCompatibility;
import io.turnout.node.lifecycle.DrainSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a node's configuration needs that HOCON cannot say: seed nodes from a comma-separated list,
 * the join digest other nodes check ({@link ClusterCompatibility}), and Coordinated Shutdown phase
 * timeouts that follow the drain settings (a phase that times out would cut the drain short).
 */
public final class NodeConfig {
  private NodeConfig() {}

  /** {@code config} with the derived settings layered over it; {@code config} must be resolved. */
  public static Config prepare(Config config) {
    Map<String, Object> derived = new HashMap<>();
    if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      List<String> seeds = seedNodes(config.getString("turnout.cluster.seed-nodes"), TurnoutNode.SYSTEM_NAME);
      if (!seeds.isEmpty()) derived.put("pekko.cluster.seed-nodes", seeds);
    }
    derived.put(ClusterCompatibility.DIGEST_PATH, ClusterCompatibility.joinDigest(config, NodeConfig.class.getClassLoader()));
    DrainSettings drain = DrainSettings.fromConfig(config.getConfig("turnout.shutdown"));
    Duration margin = Duration.ofSeconds(2);
    String phases = "pekko.coordinated-shutdown.phases.";
    derived.put(phases + "before-service-unbind.timeout", millis(drain.drainPeriod().plus(margin)));
    derived.put(phases + "service-requests-done.timeout", millis(drain.requestsDeadline().plus(margin)));
    derived.put(phases + "before-cluster-shutdown.timeout", millis(drain.replicaWait().plus(margin)));
    // Handing replicas off waits for each stopping replica's grace; the default 10 s may be shorter.
    Duration stopGrace = config.getDuration("turnout.serving.replica-stop-grace");
    derived.put(phases + "cluster-sharding-shutdown-region.timeout", millis(max(Duration.ofSeconds(10),
        stopGrace.plus(Duration.ofSeconds(10)))));
    return ConfigFactory.parseMap(derived, "derived by NodeConfig").withFallback(config);
  }

  /**
   * Seed node addresses from {@code host:port,host:port} (remoting addresses); full
   * {@code pekko://…} addresses are kept as they are.
   */
  public static List<String> seedNodes(String commaSeparated, String systemName) {
    List<String> seeds = new ArrayList<>();
    for (String entry : commaSeparated.split(",")) {
      String seed = entry.trim();
      if (seed.isEmpty()) continue;
      if (seed.startsWith("pekko://")) {
        seeds.add(seed);
      } else {
        int colon = seed.lastIndexOf(':');
        if (colon <= 0 || colon == seed.length() - 1) {
          throw new IllegalArgumentException("a seed node must be host:port (the remoting address), not '" + seed + "'");
        }
        Integer.parseInt(seed.substring(colon + 1));
        seeds.add("pekko://" + systemName + "@" + seed);
      }
    }
    return List.copyOf(seeds);
  }

  private static String millis(Duration duration) {
    return duration.toMillis() + "ms";
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}

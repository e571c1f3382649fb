package io.turnout.node;

import com.typesafe.config.Config;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import io.turnout.node.cluster.ClusterCompatibility;
import org.slf4j.LoggerFactory;

/**
 * Starts a node's actor system from a configuration (with {@link NodeConfig}'s derived settings);
 * with no seed nodes it forms a cluster of its own.
 */
public final class TurnoutNode {
  public static final String SYSTEM_NAME = "turnout";

  private TurnoutNode() {}

  public static ActorSystem<Void> start(Config config) {
    return start(config, NodeGuardian.create());
  }

  /** A node whose model registry {@code registries} makes. */
  public static ActorSystem<Void> start(Config config, Function<ActorSystem<?>, NodeRegistries> registries) {
    return start(config, NodeGuardian.create(registries));
  }

  private static ActorSystem<Void> start(Config given, Behavior<Void> guardian) {
    Config config = NodeConfig.prepare(given);
    if (ClusterCompatibility.DEVELOPMENT_SECRET.equals(config.getString("turnout.cluster.secret"))) {
      LoggerFactory.getLogger(TurnoutNode.class).warn("This node runs with the development cluster secret: any node "
          + "built from this code can join its cluster and sign request ids. Set turnout.cluster.secret "
          + "(TURNOUT_CLUSTER_SECRET) to a long random value shared by the cluster's nodes (openssl rand -hex 32).");
    }
    ActorSystem<Void> system = ActorSystem.create(guardian, SYSTEM_NAME, config);
    if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    return system;
  }
}

package io.turnout.node;

import com.typesafe.config.Config;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

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
    ActorSystem<Void> system = ActorSystem.create(guardian, SYSTEM_NAME, config);
    if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    return system;
  }
}

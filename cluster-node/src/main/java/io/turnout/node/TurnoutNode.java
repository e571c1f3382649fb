package io.turnout.node;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** Starts a node's actor system from a configuration; with no seed nodes it forms a cluster of its own. */
public final class TurnoutNode {
  public static final String SYSTEM_NAME = "turnout";

  private TurnoutNode() {}

  public static ActorSystem<Void> start(Config config) {
    ActorSystem<Void> system = ActorSystem.create(NodeGuardian.create(), SYSTEM_NAME, config);
    if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    return system;
  }
}

package io.turnout.persistence.rollout;

import io.turnout.protocol.rollout.RoutingTable;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/** Where a coordinator's routing tables go: Distributed Data in a cluster, a probe in unit tests. */
public interface RoutingPublisher {

  void publish(RoutingTable table);

  /**
   * Writes to a majority of nodes at once, so that most edges route by the new table within one
   * round trip instead of the next gossip; the local write stands even when the majority times out,
   * and gossip carries it on. The coordinator publishes again after recovery, so nothing is lost.
   */
  static RoutingPublisher distributedData(ActorSystem<?> system, Duration writeTimeout) {
    SelfUniqueAddress self = DistributedData.get(system).selfUniqueAddress();
    return table -> DistributedData.get(system).replicator().tell(new Replicator.Update<>(
        RoutingTableKeys.of(table.model()),
        LWWRegister.create(self, table, RoutingTableKeys.revisionClock()),
        new Replicator.WriteMajority(writeTimeout),
        system.ignoreRef(),
        current -> current.getValue().revision() >= table.revision()
            ? current
            : current.withValue(self, table, RoutingTableKeys.revisionClock())));
  }
}

package io.turnout.persistence.rollout;

import io.turnout.protocol.rollout.RoutingTable;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.LWWRegisterKey;

/**
 * Where each model's routing table lives in Distributed Data: one small key per model (DData is
 * built for many small keys, not one large map), a last-writer-wins register whose clock is the
 * table's revision, so every replica converges on the coordinator's newest table.
 */
public final class RoutingTableKeys {
  private RoutingTableKeys() {}

  public static Key<LWWRegister<RoutingTable>> of(String model) {
    return LWWRegisterKey.create("routing-" + model);
  }

  public static String modelOf(Key<?> key) {
    return key.id().substring("routing-".length());
  }

  /** The register clock: a table's revision orders it, whatever the wall clocks of the nodes say. */
  public static LWWRegister.Clock<RoutingTable> revisionClock() {
    return (currentTimestamp, table) -> Math.max(currentTimestamp + 1, table.revision());
  }
}

package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.RoutingTable;
import java.util.List;

/** Routing tables from {@link Traffic}: what the coordinator writes to Distributed Data. */
public final class RoutingTables {
  private RoutingTables() {}

  /** The table for a phase's traffic. */
  public static RoutingTable of(String model, long revision, long stableVersion, Traffic traffic, String stickyHeader) {
    // The table carries the phase's desired replicas, so every node's keeper reconciles to them.
    return new RoutingTable(model, revision, stableVersion, traffic.weights(), traffic.rules(), stickyHeader,
        traffic.replicas(), traffic.mirror(), traffic.perRequest());
  }

  /** The table for a phase's traffic during {@code ctx}'s rollout. */
  public static RoutingTable of(RolloutContext ctx, long revision, Traffic traffic) {
    return of(ctx.model(), revision, ctx.stableVersion(), traffic, ctx.stickyHeader());
  }

  /** All traffic to {@code version}, no rules: the table with no rollout in progress. */
  public static RoutingTable stableOnly(String model, long revision, long version, String stickyHeader) {
    return RoutingTable.stable(model, revision, version, stickyHeader);
  }

  /**
   * After a rollback: all traffic back to the stable version, and the target's replicas stopped
   * with every other version the phases named ({@link Traffic#rolledBack}); without a count in the
   * table they would keep their registered one.
   */
  public static RoutingTable rolledBack(RolloutContext ctx, long revision) {
    return of(ctx, revision, Traffic.rolledBack(ctx));
  }

  /**
   * After a promotion: all traffic to the target, which is the new stable version, and the old
   * stable version's replicas stopped ({@link Traffic#promoted}), a drained blue-green's blue and
   * the other versions the phases named included.
   */
  public static RoutingTable promoted(RolloutContext ctx, long revision) {
    return of(ctx.model(), revision, ctx.targetVersion(), Traffic.promoted(ctx), ctx.stickyHeader());
  }

  /**
   * Whether {@code table} already routes as {@code traffic} asks (same weights in the same order,
   * same rules, replicas, mirror and per-request draw), whatever its revision: the coordinator
   * writes a new revision only when not.
   */
  public static boolean routesAs(RoutingTable table, Traffic traffic) {
    return table.weights().equals(traffic.weights()) && table.rules().equals(traffic.rules())
        && table.replicas().equals(traffic.replicas()) && table.mirror().equals(traffic.mirror())
        && table.perRequest() == traffic.perRequest();
  }
}

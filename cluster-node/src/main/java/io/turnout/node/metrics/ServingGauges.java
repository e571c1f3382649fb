package io.turnout.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.protocol.VersionState;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Gauges of what this node knows at scrape time: replicas and state of every registered version,
 * each model's routing table, readiness and cluster membership. Rebuilt from the current view at
 * every scrape, so versions and models that are gone drop out of the export.
 */
final class ServingGauges {
  private static final List<String> MEMBER_STATUSES =
      List.of("joining", "weaklyup", "up", "leaving", "exiting", "down", "removed", "preparingforshutdown",
          "readyforshutdown");

  private final Supplier<ServingView> view;
  private final BooleanSupplier ready;
  private final Cluster cluster;
  private final MultiGauge replicasReady;
  private final MultiGauge replicasListed;
  private final MultiGauge versionState;
  private final MultiGauge routingRevision;
  private final MultiGauge stableVersion;
  private final MultiGauge routingWeight;
  private final MultiGauge members;
  private volatile double readyNow;
  private volatile double unreachableNow;

  ServingGauges(MeterRegistry registry, ActorSystem<?> system, Supplier<ServingView> view, BooleanSupplier ready) {
    this.view = view;
    this.ready = ready;
    this.cluster = Cluster.get(system);
    replicasReady = MultiGauge.builder("turnout.replicas.ready")
        .description("Ready replicas of a version, on this node (local) or on others (remote)").register(registry);
    replicasListed = MultiGauge.builder("turnout.replicas.listed")
        .description("Replicas of a version in any state, cluster-wide").register(registry);
    versionState = MultiGauge.builder("turnout.version.state")
        .description("1 for the version's current state as this node sees it, 0 for the others").register(registry);
    routingRevision = MultiGauge.builder("turnout.routing.revision")
        .description("Revision of the model's routing table on this node").register(registry);
    stableVersion = MultiGauge.builder("turnout.routing.stable.version")
        .description("The stable version of the model's routing table").register(registry);
    routingWeight = MultiGauge.builder("turnout.routing.weight").baseUnit("ratio")
        .description("Share of the model's traffic the routing table gives the version (0..1)").register(registry);
    members = MultiGauge.builder("turnout.cluster.members")
        .description("Cluster members by status, as this node sees them").register(registry);
    Gauge.builder("turnout.node.ready", this, g -> g.readyNow)
        .description("1 when this node answers /health/ready with 200").register(registry);
    Gauge.builder("turnout.cluster.unreachable.members", this, g -> g.unreachableNow)
        .description("Members this node sees as unreachable").register(registry);
  }

  /** Reads the view, readiness and membership now. Called under the scrape's lock. */
  void refresh() {
    ServingView current = view.get();
    List<MultiGauge.Row<?>> ready = new ArrayList<>();
    List<MultiGauge.Row<?>> listed = new ArrayList<>();
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    current.models().forEach((model, versions) -> versions.values().forEach(version -> {
      Tags tags = tags(model, version.id().version());
      ready.add(MultiGauge.Row.of(tags.and("location", "local"), version.localReady().size()));
      ready.add(MultiGauge.Row.of(tags.and("location", "remote"), version.remoteReady().size()));
      listed.add(MultiGauge.Row.of(tags, version.replicasListed()));
      VersionState state = version.state();
      for (VersionState shown : List.of(VersionState.AVAILABLE, VersionState.LOADING, VersionState.FAILED)) {
        states.add(MultiGauge.Row.of(tags.and("state", shown.name().toLowerCase()), shown == state ? 1 : 0));
      }
    }));
    replicasReady.register(ready, true);
    replicasListed.register(listed, true);
    versionState.register(states, true);

    List<MultiGauge.Row<?>> revisions = new ArrayList<>();
    List<MultiGauge.Row<?>> stables = new ArrayList<>();
    List<MultiGauge.Row<?>> weights = new ArrayList<>();
    new TreeMap<>(current.routing()).forEach((model, table) -> {
      Tags tags = Tags.of("model", model);
      revisions.add(MultiGauge.Row.of(tags, table.revision()));
      stables.add(MultiGauge.Row.of(tags, table.stableVersion()));
      weightsOf(table, current.models().get(model)).forEach((version, ratio) ->
          weights.add(MultiGauge.Row.of(tags(model, version), ratio)));
    });
    routingRevision.register(revisions, true);
    stableVersion.register(stables, true);
    routingWeight.register(weights, true);

    readyNow = this.ready.getAsBoolean() ? 1 : 0;
    ClusterEvent.CurrentClusterState state = cluster.state();
    Map<String, Integer> byStatus = new TreeMap<>();
    MEMBER_STATUSES.forEach(status -> byStatus.put(status, 0));
    for (Member member : state.getMembers()) byStatus.merge(statusName(member.status()), 1, Integer::sum);
    List<MultiGauge.Row<?>> memberRows = new ArrayList<>();
    byStatus.forEach((status, count) -> memberRows.add(MultiGauge.Row.of(Tags.of("status", status), count)));
    members.register(memberRows, true);
    unreachableNow = state.getUnreachable().size();
  }

  /**
   * The table's share per version; registered versions the table gives nothing get 0, so a
   * dashboard shows a version drained rather than missing.
   */
  static Map<Long, Double> weightsOf(RoutingTable table, NavigableMap<Long, VersionView> registered) {
    Map<Long, Double> shares = new TreeMap<>();
    if (registered != null) registered.keySet().forEach(version -> shares.put(version, 0.0));
    for (WeightedVersion weighted : table.weights()) {
      shares.merge(weighted.version(), weighted.basisPoints() / (double) RoutingTable.ALL, Double::sum);
    }
    return shares;
  }

  private static Tags tags(String model, long version) {
    return Tags.of("model", model, "version", Long.toString(version));
  }

  private static String statusName(MemberStatus status) {
    return status.toString().toLowerCase();
  }
}

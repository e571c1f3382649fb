package io.turnout.node.admin;

import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.protocol.VersionState;
import io.turnout.protocol.rollout.RoutingTable;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the admin API tells and checks of one model, taken from the node's {@link ServingView}: its
 * registered versions with their state and replicas, and its routing table if a rollout ever wrote one.
 */
public record ModelFacts(String model, List<VersionFacts> versions, Optional<RoutingTable> routing) {

  public ModelFacts {
    versions = List.copyOf(versions);
  }

  /**
   * One registered version.
   *
   * @param registeredReplicas the count it was registered with
   * @param wantedReplicas what it should run now: the routing table's count when it sets one
   * @param readyReplicas replicas that answer, cluster-wide
   * @param failure why it failed to load, empty unless {@code state} is FAILED
   */
  public record VersionFacts(long version, URI artifact, VersionState state, String failure, int registeredReplicas,
      int wantedReplicas, int readyReplicas) {}

  public static Optional<ModelFacts> of(ServingView view, String model) {
    if (!view.knows(model)) return Optional.empty();
    Optional<RoutingTable> routing = view.routing(model);
    List<VersionFacts> versions = view.versions(model).stream().map(v -> facts(v, routing)).toList();
    return Optional.of(new ModelFacts(model, versions, routing));
  }

  public static List<ModelFacts> all(ServingView view) {
    return view.models().keySet().stream().sorted().map(model -> of(view, model).orElseThrow()).toList();
  }

  private static VersionFacts facts(VersionView view, Optional<RoutingTable> routing) {
    int registered = view.registration().replicas();
    long version = view.id().version();
    int wanted = routing.map(table -> table.replicasOf(version, registered)).orElse(registered);
    return new VersionFacts(version, view.registration().artifact(), view.state(),
        view.state() == VersionState.FAILED ? view.failure() : "", registered, wanted,
        view.localReady().size() + view.remoteReady().size());
  }

  public Optional<VersionFacts> version(long version) {
    return versions.stream().filter(v -> v.version() == version).findFirst();
  }

  public Map<Long, Integer> registeredReplicas() {
    return versions.stream().collect(Collectors.toMap(VersionFacts::version, VersionFacts::registeredReplicas));
  }

  public Map<Long, Integer> readyReplicas() {
    return versions.stream().collect(Collectors.toMap(VersionFacts::version, VersionFacts::readyReplicas));
  }

  /** "1, 2, 3", or "none". */
  String versionList() {
    return versions.isEmpty() ? "none"
        : versions.stream().map(v -> Long.toString(v.version())).collect(Collectors.joining(", "));
  }
}

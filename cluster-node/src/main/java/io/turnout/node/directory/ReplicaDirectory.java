package io.turnout.node.directory;

import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.persistence.rollout.RoutingTableKeys;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.rollout.RoutingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Keeps this node's {@link ServingView}: for every registered version it follows the Receptionist
 * listings of all, ready and failed replicas, learns signatures and failure reasons from the
 * replicas once, follows each model's routing table in Distributed Data, and publishes a fresh
 * immutable view for the HTTP edge to read without asking.
 */
public final class ReplicaDirectory {

  public interface Command extends NoSerializationVerificationNeeded {}

  /** The registry's current versions; new ones are followed, vanished ones dropped. */
  public record VersionsRegistered(List<RegisteredVersion> versions) implements Command {}

  private record ListingChanged(Receptionist.Listing listing) implements Command {}

  private record StatusLearned(ModelVersionId version, ModelVersionReplica.ReplicaStatus status) implements Command {}

  private record StatusNotLearned(ModelVersionId version) implements Command {}

  private record RoutingChanged(Replicator.SubscribeResponse<LWWRegister<RoutingTable>> response) implements Command {}

  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);

  public static Behavior<Command> create(PublishedView published) {
    return Behaviors.setup(context -> DistributedData.<Command, LWWRegister<RoutingTable>>withReplicatorMessageAdapter(
        replicator -> new ReplicaDirectory(context, replicator, published).following(Known.NONE)));
  }

  /**
   * What the directory knows.
   *
   * @param versions each registered version's view
   * @param routing each model's newest routing table
   * @param subscribed versions whose listings are followed (the Receptionist has no unsubscribe, so
   *     a version that comes back is not subscribed twice); models are followed once each too
   */
  private record Known(Map<ModelVersionId, VersionView> versions, Map<String, RoutingTable> routing,
      Set<ModelVersionId> subscribed, Set<String> models) {
    static final Known NONE = new Known(Map.of(), Map.of(), Set.of(), Set.of());
  }

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, LWWRegister<RoutingTable>> replicator;
  private final PublishedView published;
  private final ActorRef<Receptionist.Listing> listingAdapter;

  private ReplicaDirectory(ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, LWWRegister<RoutingTable>> replicator, PublishedView published) {
    this.context = context;
    this.replicator = replicator;
    this.published = published;
    this.listingAdapter = context.messageAdapter(Receptionist.Listing.class, ListingChanged::new);
  }

  private Behavior<Command> following(Known known) {
    return Behaviors.receive(Command.class)
        .onMessage(VersionsRegistered.class, registered -> publish(onRegistered(registered, known)))
        .onMessage(ListingChanged.class, changed ->
            publish(withVersions(known, onListing(changed.listing(), known.versions()))))
        .onMessage(StatusLearned.class, learned -> publish(withVersions(known, onStatus(learned, known.versions()))))
        .onMessage(StatusNotLearned.class, notLearned -> Behaviors.same())
        .onMessage(RoutingChanged.class, changed -> publish(onRouting(changed.response(), known)))
        .build();
  }

  private Known onRegistered(VersionsRegistered registered, Known known) {
    Map<ModelVersionId, VersionView> next = new HashMap<>();
    Set<ModelVersionId> subscribed = new HashSet<>(known.subscribed());
    Set<String> models = new HashSet<>(known.models());
    ActorRef<Receptionist.Command> receptionist = context.getSystem().receptionist();
    for (RegisteredVersion version : registered.versions()) {
      VersionView view = known.versions().get(version.id());
      next.put(version.id(), view == null ? VersionView.registered(version) : view.withRegistration(version));
      if (subscribed.add(version.id())) {
        receptionist.tell(Receptionist.subscribe(ModelVersionReplica.readyKey(version.id()), listingAdapter));
        receptionist.tell(Receptionist.subscribe(ModelVersionReplica.failedKey(version.id()), listingAdapter));
        receptionist.tell(Receptionist.subscribe(ModelVersionReplica.replicasKey(version.id()), listingAdapter));
      }
      if (models.add(version.id().model())) {
        replicator.subscribe(RoutingTableKeys.of(version.id().model()), RoutingChanged::new);
      }
    }
    return new Known(next, known.routing(), Set.copyOf(subscribed), Set.copyOf(models));
  }

  private Known onRouting(Replicator.SubscribeResponse<LWWRegister<RoutingTable>> response, Known known) {
    Map<String, RoutingTable> routing = new HashMap<>(known.routing());
    String model = RoutingTableKeys.modelOf(response.key());
    if (response instanceof Replicator.Changed<LWWRegister<RoutingTable>> changed) {
      routing.put(model, changed.get(RoutingTableKeys.of(model)).getValue());
    } else {
      routing.remove(model);
    }
    return new Known(known.versions(), routing, known.subscribed(), known.models());
  }

  private Map<ModelVersionId, VersionView> onListing(Receptionist.Listing listing,
      Map<ModelVersionId, VersionView> versions) {
    String keyId = listing.getKey().id();
    int colon = keyId.indexOf(':');
    ModelVersionId id = ModelVersionId.parse(keyId.substring(colon + 1));
    VersionView view = versions.get(id);
    if (view == null) return versions;
    VersionView changed = switch (keyId.substring(0, colon)) {
      case "ready" -> onReady(view, listing.getServiceInstances(ModelVersionReplica.readyKey(id)));
      case "failed" -> onFailed(view, listing.getServiceInstances(ModelVersionReplica.failedKey(id)));
      case "replicas" -> view.withReplicasListed(listing.getServiceInstances(ModelVersionReplica.replicasKey(id)).size());
      default -> view;
    };
    return with(versions, id, changed);
  }

  private VersionView onReady(VersionView view, Set<ActorRef<ModelVersionReplica.Command>> ready) {
    List<ActorRef<ModelVersionReplica.Command>> local = new ArrayList<>();
    List<ActorRef<ModelVersionReplica.Command>> remote = new ArrayList<>();
    for (ActorRef<ModelVersionReplica.Command> replica : ready) {
      (replica.path().address().hasLocalScope() ? local : remote).add(replica);
    }
    if (view.signatures().isEmpty() && !ready.isEmpty()) learnStatus(view.id(), ready.iterator().next());
    return view.withReplicas(local, remote);
  }

  private VersionView onFailed(VersionView view, Set<ActorRef<ModelVersionReplica.Command>> failed) {
    if (failed.isEmpty()) return view.withFailure("");
    if (view.failure().isEmpty()) learnStatus(view.id(), failed.iterator().next());
    return view;
  }

  private void learnStatus(ModelVersionId id, ActorRef<ModelVersionReplica.Command> replica) {
    context.ask(ModelVersionReplica.ReplicaStatus.class, replica, STATUS_TIMEOUT,
        ModelVersionReplica.GetStatus::new,
        (status, error) -> status != null ? new StatusLearned(id, status) : new StatusNotLearned(id));
  }

  private Map<ModelVersionId, VersionView> onStatus(StatusLearned learned, Map<ModelVersionId, VersionView> versions) {
    VersionView view = versions.get(learned.version());
    if (view == null) return versions;
    ModelVersionReplica.ReplicaStatus status = learned.status();
    VersionView changed = switch (status.state()) {
      case AVAILABLE -> view.withSignatures(status.signatures());
      case FAILED -> view.withFailure(status.reason());
      default -> view;
    };
    return with(versions, learned.version(), changed);
  }

  private static Map<ModelVersionId, VersionView> with(Map<ModelVersionId, VersionView> versions, ModelVersionId id,
      VersionView view) {
    Map<ModelVersionId, VersionView> next = new HashMap<>(versions);
    next.put(id, view);
    return next;
  }

  private static Known withVersions(Known known, Map<ModelVersionId, VersionView> versions) {
    return new Known(versions, known.routing(), known.subscribed(), known.models());
  }

  private Behavior<Command> publish(Known known) {
    Known frozen = new Known(Map.copyOf(known.versions()), Map.copyOf(known.routing()), known.subscribed(), known.models());
    published.publish(ServingView.of(frozen.versions(), frozen.routing()));
    return following(frozen);
  }
}

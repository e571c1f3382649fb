package io.turnout.node.directory;

import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.ModelVersionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Keeps this node's {@link ServingView}: for every registered version it follows the Receptionist
 * listings of all, ready and failed replicas, learns signatures and failure reasons from the
 * replicas once, and publishes a fresh immutable view for the HTTP edge to read without asking.
 */
public final class ReplicaDirectory {

  public interface Command extends NoSerializationVerificationNeeded {}

  /** The registry's current versions; new ones are followed, vanished ones dropped. */
  public record VersionsRegistered(List<RegisteredVersion> versions) implements Command {}

  private record ListingChanged(Receptionist.Listing listing) implements Command {}

  private record StatusLearned(ModelVersionId version, ModelVersionReplica.ReplicaStatus status) implements Command {}

  private record StatusNotLearned(ModelVersionId version) implements Command {}

  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);

  public static Behavior<Command> create(AtomicReference<ServingView> published) {
    return Behaviors.setup(context -> new ReplicaDirectory(context, published).following(Map.of(), Set.of()));
  }

  private final ActorContext<Command> context;
  private final AtomicReference<ServingView> published;
  private final ActorRef<Receptionist.Listing> listingAdapter;

  private ReplicaDirectory(ActorContext<Command> context, AtomicReference<ServingView> published) {
    this.context = context;
    this.published = published;
    this.listingAdapter = context.messageAdapter(Receptionist.Listing.class, ListingChanged::new);
  }

  /**
   * @param versions what is known of each registered version
   * @param subscribed versions whose listings this actor follows (the Receptionist has no unsubscribe,
   *     so a version that comes back is not subscribed twice)
   */
  private Behavior<Command> following(Map<ModelVersionId, VersionView> versions, Set<ModelVersionId> subscribed) {
    return Behaviors.receive(Command.class)
        .onMessage(VersionsRegistered.class, registered -> onRegistered(registered, versions, subscribed))
        .onMessage(ListingChanged.class, changed -> publish(onListing(changed.listing(), versions), subscribed))
        .onMessage(StatusLearned.class, learned -> publish(onStatus(learned, versions), subscribed))
        .onMessage(StatusNotLearned.class, notLearned -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onRegistered(VersionsRegistered registered, Map<ModelVersionId, VersionView> versions,
      Set<ModelVersionId> subscribed) {
    Map<ModelVersionId, VersionView> next = new HashMap<>();
    Set<ModelVersionId> nowSubscribed = new HashSet<>(subscribed);
    for (RegisteredVersion version : registered.versions()) {
      VersionView known = versions.get(version.id());
      next.put(version.id(), known == null ? VersionView.registered(version) : known.withRegistration(version));
      if (nowSubscribed.add(version.id())) {
        ActorRef<Receptionist.Command> receptionist = context.getSystem().receptionist();
        receptionist.tell(Receptionist.subscribe(ModelVersionReplica.readyKey(version.id()), listingAdapter));
        receptionist.tell(Receptionist.subscribe(ModelVersionReplica.failedKey(version.id()), listingAdapter));
        receptionist.tell(Receptionist.subscribe(ModelVersionReplica.replicasKey(version.id()), listingAdapter));
      }
    }
    return publish(next, Set.copyOf(nowSubscribed));
  }

  private Map<ModelVersionId, VersionView> onListing(Receptionist.Listing listing,
      Map<ModelVersionId, VersionView> versions) {
    String keyId = listing.getKey().id();
    int colon = keyId.indexOf(':');
    ModelVersionId id = ModelVersionId.parse(keyId.substring(colon + 1));
    VersionView view = versions.get(id);
    if (view == null) return versions;
    String kind = keyId.substring(0, colon);
    VersionView changed = switch (kind) {
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

  private Behavior<Command> publish(Map<ModelVersionId, VersionView> versions, Set<ModelVersionId> subscribed) {
    published.set(ServingView.of(versions));
    return following(Map.copyOf(versions), subscribed);
  }
}

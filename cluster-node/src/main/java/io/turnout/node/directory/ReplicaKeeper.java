package io.turnout.node.directory;

import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.persistence.registry.ModelRegistry;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.ReplicaId;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Keeps the desired replicas running: on a period it reads the registry, tells the directory what
 * is registered, and sends every wanted replica entity a keep-alive, which starts it wherever
 * sharding places it (again after a hand-off or a crash). Replicas no longer wanted are stopped.
 * A version wants its registered replica count unless its model's routing table, written by the
 * rollout coordinator, sets another (a blue-green's full green, a drained blue at zero).
 * Every node runs one; the messages are idempotent, so several keepers only repeat each other.
 *
 * <p>Between scans it watches each version's replica listing: when it drops below the wanted count
 * (a replica handed off by a leaving node, or lost with a crashed one) it wakes the wanted replicas
 * at once, so sharding restarts the missing one elsewhere as soon as the hand-off completes rather
 * than at the next scan.
 */
public final class ReplicaKeeper {

  public interface Command extends NoSerializationVerificationNeeded {}

  private enum Tick implements Command { INSTANCE }

  private record Scanned(List<RegisteredVersion> versions) implements Command {}

  private record ScanFailed(String reason) implements Command {}

  private record ReplicasListed(Receptionist.Listing listing) implements Command {}

  public static Behavior<Command> create(ModelRegistry registry, ActorRef<ReplicaDirectory.Command> directory,
      Supplier<ServingView> view, Duration interval) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, interval);
      return new ReplicaKeeper(context, registry, directory, view).keeping(new Kept(Map.of(), List.of(), Set.of()));
    }));
  }

  private final ActorContext<Command> context;
  private final ModelRegistry registry;
  private final ActorRef<ReplicaDirectory.Command> directory;
  private final Supplier<ServingView> view;
  private final ClusterSharding sharding;
  private final ActorRef<Receptionist.Listing> listings;

  /**
   * @param wanted replicas per version as of the last reconcile
   * @param registered the versions of the last scan
   * @param watched versions whose replica listing this keeper subscribed to
   */
  private record Kept(Map<ModelVersionId, Integer> wanted, List<RegisteredVersion> registered,
      Set<ModelVersionId> watched) {}

  private ReplicaKeeper(ActorContext<Command> context, ModelRegistry registry,
      ActorRef<ReplicaDirectory.Command> directory, Supplier<ServingView> view) {
    this.context = context;
    this.registry = registry;
    this.directory = directory;
    this.view = view;
    this.sharding = ClusterSharding.get(context.getSystem());
    this.listings = context.messageAdapter(Receptionist.Listing.class, ReplicasListed::new);
  }

  private Behavior<Command> keeping(Kept kept) {
    return Behaviors.receive(Command.class)
        .onMessage(Tick.class, tick -> {
          context.pipeToSelf(registry.versions(), (versions, error) -> error == null
              ? new Scanned(versions)
              : new ScanFailed(String.valueOf(error.getMessage())));
          return Behaviors.same();
        })
        .onMessage(Scanned.class, scanned -> keeping(new Kept(reconcile(scanned.versions(), kept.wanted()),
            scanned.versions(), watch(scanned.versions(), kept.watched()))))
        .onMessage(ScanFailed.class, failed -> {
          // The registry (Cassandra) may be down for a while: keep the replicas of the last scan alive.
          context.getLog().warn("Cannot read the model registry ({}); keeping the {} versions of the last scan",
              failed.reason(), kept.registered().size());
          if (kept.registered().isEmpty()) return Behaviors.same();
          return keeping(new Kept(reconcile(kept.registered(), kept.wanted()), kept.registered(), kept.watched()));
        })
        .onMessage(ReplicasListed.class, listed -> {
          String key = listed.listing().getKey().id();
          ModelVersionId version = ModelVersionId.parse(key.substring(key.indexOf(':') + 1));
          int listedNow = listed.listing().getServiceInstances(ModelVersionReplica.replicasKey(version)).size();
          if (listedNow >= kept.wanted().getOrDefault(version, 0)) return Behaviors.same();
          return keeping(new Kept(reconcile(kept.registered(), kept.wanted()), kept.registered(), kept.watched()));
        })
        .build();
  }

  private Set<ModelVersionId> watch(List<RegisteredVersion> versions, Set<ModelVersionId> watched) {
    Set<ModelVersionId> now = new HashSet<>(watched);
    for (RegisteredVersion version : versions) {
      if (now.add(version.id())) {
        context.getSystem().receptionist().tell(
            Receptionist.subscribe(ModelVersionReplica.replicasKey(version.id()), listings));
      }
    }
    return Set.copyOf(now);
  }

  private Map<ModelVersionId, Integer> reconcile(List<RegisteredVersion> versions, Map<ModelVersionId, Integer> before) {
    directory.tell(new ReplicaDirectory.VersionsRegistered(versions));
    Map<ModelVersionId, Integer> now = new HashMap<>();
    ServingView current = view.get();
    for (RegisteredVersion version : versions) {
      int wanted = current.routing(version.id().model())
          .map(table -> table.replicasOf(version.id().version(), version.replicas()))
          .orElse(version.replicas());
      now.put(version.id(), wanted);
      for (int replica = 0; replica < wanted; replica++) {
        tell(new ReplicaId(version.id(), replica), ModelVersionReplica.KeepAlive.INSTANCE);
      }
    }
    before.forEach((id, replicas) -> {
      for (int replica = now.getOrDefault(id, 0); replica < replicas; replica++) {
        context.getLog().info("Stopping replica {}: no longer registered", new ReplicaId(id, replica));
        tell(new ReplicaId(id, replica), ModelVersionReplica.Stop.INSTANCE);
      }
    });
    return Map.copyOf(now);
  }

  private void tell(ReplicaId replica, ModelVersionReplica.Command command) {
    sharding.entityRefFor(ModelVersionReplica.ENTITY_KEY, replica.entityId()).tell(command);
  }
}

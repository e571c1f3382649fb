package io.turnout.node.directory;

import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.persistence.registry.ModelRegistry;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.ReplicaId;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Keeps the desired replicas running: on a period it reads the registry, tells the directory what
 * is registered, and sends every wanted replica entity a keep-alive, which starts it wherever
 * sharding places it (again after a hand-off or a crash). Replicas no longer wanted are stopped.
 * Every node runs one; the messages are idempotent, so several keepers only repeat each other.
 */
public final class ReplicaKeeper {

  public interface Command extends NoSerializationVerificationNeeded {}

  private enum Tick implements Command { INSTANCE }

  private record Scanned(List<RegisteredVersion> versions) implements Command {}

  private record ScanFailed(String reason) implements Command {}

  public static Behavior<Command> create(ModelRegistry registry, ActorRef<ReplicaDirectory.Command> directory,
      Duration interval) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, interval);
      return new ReplicaKeeper(context, registry, directory).keeping(Map.of());
    }));
  }

  private final ActorContext<Command> context;
  private final ModelRegistry registry;
  private final ActorRef<ReplicaDirectory.Command> directory;
  private final ClusterSharding sharding;

  private ReplicaKeeper(ActorContext<Command> context, ModelRegistry registry,
      ActorRef<ReplicaDirectory.Command> directory) {
    this.context = context;
    this.registry = registry;
    this.directory = directory;
    this.sharding = ClusterSharding.get(context.getSystem());
  }

  /** @param wanted replicas per version as of the last scan */
  private Behavior<Command> keeping(Map<ModelVersionId, Integer> wanted) {
    return Behaviors.receive(Command.class)
        .onMessage(Tick.class, tick -> {
          context.pipeToSelf(registry.versions(), (versions, error) -> error == null
              ? new Scanned(versions)
              : new ScanFailed(String.valueOf(error.getMessage())));
          return Behaviors.same();
        })
        .onMessage(Scanned.class, scanned -> keeping(reconcile(scanned.versions(), wanted)))
        .onMessage(ScanFailed.class, failed -> {
          context.getLog().warn("Cannot read the model registry: {}", failed.reason());
          return Behaviors.same();
        })
        .build();
  }

  private Map<ModelVersionId, Integer> reconcile(List<RegisteredVersion> versions, Map<ModelVersionId, Integer> before) {
    directory.tell(new ReplicaDirectory.VersionsRegistered(versions));
    Map<ModelVersionId, Integer> now = new HashMap<>();
    for (RegisteredVersion version : versions) {
      now.put(version.id(), version.replicas());
      for (int replica = 0; replica < version.replicas(); replica++) {
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

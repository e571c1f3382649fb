package io.turnout.node.directory;

import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.VersionState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What this node knows of one registered version: its ready replicas (those on this node apart,
 * since they answer without a network hop), whether any replica is loading, the failure reason if
 * every replica failed, and the signatures once a ready replica told them.
 */
public record VersionView(
    RegisteredVersion registration,
    List<ActorRef<ModelVersionReplica.Command>> localReady,
    List<ActorRef<ModelVersionReplica.Command>> remoteReady,
    int replicasListed,
    String failure,
    Map<String, ModelSignature> signatures) {

  public VersionView {
    localReady = List.copyOf(localReady);
    remoteReady = List.copyOf(remoteReady);
    signatures = Map.copyOf(signatures);
  }

  public static VersionView registered(RegisteredVersion registration) {
    return new VersionView(registration, List.of(), List.of(), 0, "", Map.of());
  }

  public ModelVersionId id() {
    return registration.id();
  }

  /** Ready means a replica answers and its signatures are known, so requests can be parsed. */
  public boolean ready() {
    return (!localReady.isEmpty() || !remoteReady.isEmpty()) && !signatures.isEmpty();
  }

  public VersionState state() {
    if (ready()) return VersionState.AVAILABLE;
    if (!failure.isEmpty()) return VersionState.FAILED;
    return VersionState.LOADING;
  }

  /** A ready replica, on this node when there is one; {@code avoid} is skipped when another exists. */
  public ActorRef<ModelVersionReplica.Command> pickReplica(ActorRef<ModelVersionReplica.Command> avoid) {
    ActorRef<ModelVersionReplica.Command> picked = pick(localReady, avoid);
    if (picked != null) return picked;
    picked = pick(remoteReady, avoid);
    if (picked != null) return picked;
    if (!localReady.isEmpty()) return localReady.get(0);
    return remoteReady.isEmpty() ? null : remoteReady.get(0);
  }

  private static ActorRef<ModelVersionReplica.Command> pick(
      List<ActorRef<ModelVersionReplica.Command>> replicas, ActorRef<ModelVersionReplica.Command> avoid) {
    int size = replicas.size();
    if (size == 0) return null;
    int start = size == 1 ? 0 : ThreadLocalRandom.current().nextInt(size);
    for (int i = 0; i < size; i++) {
      ActorRef<ModelVersionReplica.Command> candidate = replicas.get((start + i) % size);
      if (!candidate.equals(avoid)) return candidate;
    }
    return null;
  }

  VersionView withReplicas(List<ActorRef<ModelVersionReplica.Command>> local,
      List<ActorRef<ModelVersionReplica.Command>> remote) {
    return new VersionView(registration, local, remote, replicasListed, failure, signatures);
  }

  VersionView withReplicasListed(int listed) {
    return new VersionView(registration, localReady, remoteReady, listed, failure, signatures);
  }

  VersionView withFailure(String reason) {
    return new VersionView(registration, localReady, remoteReady, replicasListed, reason, signatures);
  }

  VersionView withSignatures(Map<String, ModelSignature> known) {
    return new VersionView(registration, localReady, remoteReady, replicasListed, failure, known);
  }

  VersionView withRegistration(RegisteredVersion changed) {
    return new VersionView(changed, localReady, remoteReady, replicasListed, failure, signatures);
  }
}

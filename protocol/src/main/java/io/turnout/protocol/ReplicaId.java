package io.turnout.protocol;

/** One replica of a model version; its text form {@code iris@2#0} is the sharding entity id. */
public record ReplicaId(ModelVersionId version, int replica) implements ClusterMessage {

  public ReplicaId {
    if (replica < 0) throw new IllegalArgumentException("replica must not be negative: " + replica);
  }

  public static ReplicaId parse(String entityId) {
    int hash = entityId.lastIndexOf('#');
    if (hash <= 0) throw new IllegalArgumentException("expected model@version#replica: " + entityId);
    return new ReplicaId(ModelVersionId.parse(entityId.substring(0, hash)), Integer.parseInt(entityId.substring(hash + 1)));
  }

  public String entityId() {
    return version + "#" + replica;
  }

  @Override
  public String toString() {
    return entityId();
  }
}

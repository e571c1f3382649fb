package io.turnout.persistence.registry;

import io.turnout.protocol.ModelVersionId;
import java.net.URI;

/** A model version the cluster should serve: where its SavedModel lives and how many replicas it wants. */
public record RegisteredVersion(ModelVersionId id, URI artifact, int replicas) {

  public RegisteredVersion {
    if (replicas < 1) throw new IllegalArgumentException("replicas must be at least 1, got " + replicas);
  }
}

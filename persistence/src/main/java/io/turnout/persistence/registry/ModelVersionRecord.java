package io.turnout.persistence.registry;

import io.turnout.protocol.ModelVersionId;
import java.time.Instant;

/** One row of the registry: the version, its state and details, and when it was created and last changed. */
public record ModelVersionRecord(
    RegisteredVersion version, RegistrationState state, VersionDetails details, Instant createdAt, Instant updatedAt) {

  public ModelVersionId id() {
    return version.id();
  }

  public boolean served() {
    return state == RegistrationState.REGISTERED;
  }
}

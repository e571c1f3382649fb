package io.turnout.persistence.registry;

/** A version is registered already, with another artifact: a version's artifact never changes. */
public final class VersionConflictException extends IllegalStateException {
  private final transient ModelVersionRecord existing;
  private final transient RegisteredVersion refused;

  public VersionConflictException(ModelVersionRecord existing, RegisteredVersion refused) {
    super(existing.id() + " is registered with artifact " + existing.version().artifact() + " since "
        + existing.createdAt() + "; refusing to register it again with " + refused.artifact()
        + " (register a new version number instead)");
    this.existing = existing;
    this.refused = refused;
  }

  public ModelVersionRecord existing() {
    return existing;
  }

  public RegisteredVersion refused() {
    return refused;
  }
}

package io.turnout.node.admin;

import io.turnout.persistence.registry.RegisteredVersion;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the admin API needs of a writable model registry: register a version, idempotently. The
 * node's {@link io.turnout.persistence.registry.ModelRegistry} is where the registered versions are
 * read back (by the replica keeper), so a registration shows in the serving view at the keeper's
 * next scan.
 */
public interface VersionRegistrar {

  /**
   * Registers {@code version}. Registering the same artifact again succeeds (it may change the
   * replica count) with {@code created == false}; another artifact for a registered version fails
   * the stage with {@link Conflict} and changes nothing.
   */
  CompletionStage<Registration> register(RegisteredVersion version);

  /** The version as registered now, and whether this call created it. */
  record Registration(RegisteredVersion version, boolean created) {}

  /** The version is registered already with another artifact: a version's artifact never changes. */
  final class Conflict extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Conflict(String message) {
      super(message, null, false, false);
    }
  }

  /** This node's registry cannot be written (the folder scan is read-only). */
  final class ReadOnly extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReadOnly(String message) {
      super(message, null, false, false);
    }
  }

  /** A registrar that refuses every registration, saying {@code why}. */
  static VersionRegistrar readOnly(String why) {
    return version -> CompletableFuture.failedFuture(new ReadOnly(why));
  }
}

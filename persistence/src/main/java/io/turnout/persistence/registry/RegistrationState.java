package io.turnout.persistence.registry;

/** Where a registered model version stands. */
public enum RegistrationState {
  /** The cluster should serve it. */
  REGISTERED,
  /** Kept for history; no longer served. Registering it again (same artifact) makes it REGISTERED. */
  RETIRED
}

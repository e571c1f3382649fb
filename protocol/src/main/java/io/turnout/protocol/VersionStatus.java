package io.turnout.protocol;

/** The state of one model version, with the reason when it failed (else an empty string). */
public record VersionStatus(ModelVersionId version, VersionState state, String reason) implements ClusterMessage {

  public VersionStatus {
    reason = reason == null ? "" : reason;
  }
}

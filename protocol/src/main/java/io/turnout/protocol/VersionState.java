package io.turnout.protocol;

/** Where one model version stands on a node: loading, serving, failed to load, or going away. */
public enum VersionState {
  LOADING,
  AVAILABLE,
  FAILED,
  UNLOADING,
  UNLOADED
}

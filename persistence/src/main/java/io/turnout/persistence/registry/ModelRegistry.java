package io.turnout.persistence.registry;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where the node learns which model versions exist. The folder scan is the first source; a
 * Cassandra-backed registry written through the admin API is the next, behind this same interface.
 */
public interface ModelRegistry {

  /** Every registered version, ordered by model and version. */
  CompletionStage<List<RegisteredVersion>> versions();
}

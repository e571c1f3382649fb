package io.turnout.persistence.registry;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where the node learns which model versions to serve: the folder scan ({@link ModelFolderRegistry})
 * or the registry in Cassandra ({@link CassandraModelRegistry}), which the folder scan can seed.
 */
public interface ModelRegistry {

  /** Every version to serve, ordered by model and version. */
  CompletionStage<List<RegisteredVersion>> versions();

  /** The versions of one model to serve, in order. */
  default CompletionStage<List<RegisteredVersion>> versions(String model) {
    return versions().thenApply(all -> all.stream().filter(v -> v.id().model().equals(model)).toList());
  }
}

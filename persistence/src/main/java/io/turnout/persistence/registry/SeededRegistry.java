package io.turnout.persistence.registry;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The registry a node serves from: Cassandra, with a model folder as one way to add versions.
 * Every read first registers what the folder has and Cassandra lacks, so a version folder copied
 * in place starts serving without a restart, while versions registered through the admin API need
 * no folder scan at all. A conflicting folder (another artifact for a registered version) changes
 * nothing: the registered artifact stands.
 */
public final class SeededRegistry implements ModelRegistry {
  private final CompletionStage<CassandraModelRegistry> registry;
  private final ModelRegistry seed;

  public SeededRegistry(CompletionStage<CassandraModelRegistry> registry, ModelRegistry seed) {
    this.registry = registry;
    this.seed = seed;
  }

  public CompletionStage<CassandraModelRegistry> registry() {
    return registry;
  }

  @Override
  public CompletionStage<List<RegisteredVersion>> versions() {
    return registry.thenCompose(cassandra -> cassandra.seedFrom(seed).thenCompose(report -> cassandra.versions()));
  }
}

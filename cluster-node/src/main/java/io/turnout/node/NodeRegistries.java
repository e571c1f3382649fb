package io.turnout.node;

import io.turnout.node.admin.VersionRegistrar;
import io.turnout.persistence.registry.ModelRegistry;

/**
 * Where a node reads the versions to serve ({@code versions}, scanned by the replica keeper) and
 * where the admin API registers new ones ({@code registrar}). A writable registry is usually both.
 */
public record NodeRegistries(ModelRegistry versions, VersionRegistrar registrar) {}

package io.turnout.node.testkit;

import io.turnout.node.NodeRegistries;
import io.turnout.node.admin.VersionRegistrar;
import io.turnout.persistence.registry.ModelFolderRegistry;
import io.turnout.persistence.registry.ModelRegistry;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.ModelVersionId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A writable model registry in memory, for tests only: the model folder's versions plus those
 * registered through the admin API, with the registry's rules (same artifact again: no change but
 * the replica count; another artifact: conflict). The real registry lives in Cassandra.
 */
public final class InMemoryRegistry implements ModelRegistry, VersionRegistrar {
  private final ModelRegistry seed;
  private final Map<ModelVersionId, RegisteredVersion> registered = new HashMap<>();

  public InMemoryRegistry(ModelRegistry seed) {
    this.seed = seed;
  }

  /** The node's registries: {@code system}'s model folder, writable in memory. */
  public static NodeRegistries forNode(ActorSystem<?> system) {
    var config = system.settings().config();
    InMemoryRegistry registry = new InMemoryRegistry(new ModelFolderRegistry(
        Path.of(config.getString("turnout.registry.model-root")), config.getInt("turnout.registry.default-replicas"),
        Map.of()));
    return new NodeRegistries(registry, registry);
  }

  @Override
  public CompletionStage<List<RegisteredVersion>> versions() {
    return seed.versions().thenApply(this::merged);
  }

  private synchronized List<RegisteredVersion> merged(List<RegisteredVersion> seeded) {
    Map<ModelVersionId, RegisteredVersion> all = new HashMap<>();
    seeded.forEach(version -> all.put(version.id(), version));
    all.putAll(registered);
    List<RegisteredVersion> sorted = new ArrayList<>(all.values());
    sorted.sort((a, b) -> a.id().compareTo(b.id()));
    return List.copyOf(sorted);
  }

  @Override
  public CompletionStage<Registration> register(RegisteredVersion version) {
    return seed.versions().thenApply(seeded -> registered(seeded, version));
  }

  private synchronized Registration registered(List<RegisteredVersion> seeded, RegisteredVersion version) {
    RegisteredVersion existing = registered.get(version.id());
    if (existing == null) {
      existing = seeded.stream().filter(v -> v.id().equals(version.id())).findFirst().orElse(null);
    }
    if (existing != null && !Path.of(existing.artifact()).equals(Path.of(version.artifact()))) {
      throw new Conflict(version.id() + " is registered with artifact " + existing.artifact()
          + "; refusing to register it again with " + version.artifact() + " (register a new version number instead)");
    }
    RegisteredVersion stored = existing == null ? version
        : new RegisteredVersion(version.id(), existing.artifact(), version.replicas());
    registered.put(version.id(), stored);
    return new Registration(stored, existing == null);
  }
}

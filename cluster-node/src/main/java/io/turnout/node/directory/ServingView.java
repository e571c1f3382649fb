package io.turnout.node.directory;

import io.turnout.protocol.ModelVersionId;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable snapshot of every registered model version and its replicas, as this node sees it.
 * The directory publishes a new one on every change; the HTTP edge reads the current one per request.
 */
public record ServingView(Map<String, NavigableMap<Long, VersionView>> models) {

  public static final ServingView EMPTY = new ServingView(Map.of());

  public ServingView {
    models = Map.copyOf(models);
  }

  public boolean knows(String model) {
    return models.containsKey(model);
  }

  /** Registered versions of the model, oldest first; empty when the model is unknown. */
  public List<VersionView> versions(String model) {
    NavigableMap<Long, VersionView> versions = models.get(model);
    return versions == null ? List.of() : List.copyOf(versions.values());
  }

  public Optional<VersionView> version(ModelVersionId id) {
    NavigableMap<Long, VersionView> versions = models.get(id.model());
    return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(id.version()));
  }

  /** The newest version that answers, the default when a request names no version. */
  public Optional<VersionView> latestReady(String model) {
    NavigableMap<Long, VersionView> versions = models.get(model);
    if (versions == null) return Optional.empty();
    for (VersionView version : versions.descendingMap().values()) {
      if (version.ready()) return Optional.of(version);
    }
    return Optional.empty();
  }

  public boolean anyReady() {
    return models.values().stream().anyMatch(versions -> versions.values().stream().anyMatch(VersionView::ready));
  }

  static ServingView of(Map<ModelVersionId, VersionView> versions) {
    Map<String, NavigableMap<Long, VersionView>> byModel = new TreeMap<>();
    versions.forEach((id, view) -> byModel.computeIfAbsent(id.model(), m -> new TreeMap<>()).put(id.version(), view));
    byModel.replaceAll((model, byVersion) -> Collections.unmodifiableNavigableMap(byVersion));
    return new ServingView(byModel);
  }
}

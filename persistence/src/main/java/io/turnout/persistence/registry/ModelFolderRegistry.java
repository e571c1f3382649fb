package io.turnout.persistence.registry;

import io.turnout.protocol.ModelVersionId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

/**
 * Registers every version found in a model root laid out like TensorFlow Serving's:
 * {@code <root>/<model>/<version>/saved_model.pb}. Only folders whose names are whole numbers count
 * as versions; a version folder without a loadable SavedModel is still registered, so that its
 * failure to load shows in the version's status instead of the version silently missing.
 */
public final class ModelFolderRegistry implements ModelRegistry {
  private final Path root;
  private final int defaultReplicas;
  private final Map<String, Integer> replicasPerModel;

  public ModelFolderRegistry(Path root, int defaultReplicas, Map<String, Integer> replicasPerModel) {
    this.root = root.toAbsolutePath().normalize();
    this.defaultReplicas = defaultReplicas;
    this.replicasPerModel = Map.copyOf(replicasPerModel);
  }

  public Path root() {
    return root;
  }

  @Override
  public CompletionStage<List<RegisteredVersion>> versions() {
    try {
      return CompletableFuture.completedFuture(scan());
    } catch (UncheckedIOException e) {
      return CompletableFuture.failedFuture(e.getCause());
    }
  }

  /** Scans the root now; a missing root holds no versions. */
  public List<RegisteredVersion> scan() {
    if (!Files.isDirectory(root)) return List.of();
    List<RegisteredVersion> found = new ArrayList<>();
    for (Path modelDir : list(root)) {
      String model = modelDir.getFileName().toString();
      if (!Files.isDirectory(modelDir) || !ModelVersionId.isValidModelName(model)) continue;
      int replicas = replicasPerModel.getOrDefault(model, defaultReplicas);
      for (Path versionDir : list(modelDir)) {
        String name = versionDir.getFileName().toString();
        if (!Files.isDirectory(versionDir) || !name.matches("\\d{1,18}")) continue;
        ModelVersionId id = new ModelVersionId(model, Long.parseLong(name));
        found.add(new RegisteredVersion(id, versionDir.toUri(), replicas));
      }
    }
    found.sort(Comparator.comparing(RegisteredVersion::id));
    return List.copyOf(found);
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }
}

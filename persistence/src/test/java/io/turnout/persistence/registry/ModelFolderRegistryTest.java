package io.turnout.persistence.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.ModelVersionId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderRegistryTest {

  @TempDir Path root;

  @Test
  void registersNumberedVersionFoldersOfEveryModelInOrder() throws IOException {
    Files.createDirectories(root.resolve("iris/2"));
    Files.createDirectories(root.resolve("iris/10"));
    Files.createDirectories(root.resolve("iris/1"));
    Files.createDirectories(root.resolve("wide/1"));
    Files.createDirectories(root.resolve("iris/latest"));
    Files.createFile(root.resolve("iris/3"));
    Files.createDirectories(root.resolve(".hidden/1"));

    List<RegisteredVersion> versions = new ModelFolderRegistry(root, 1, Map.of("iris", 2)).scan();

    assertEquals(
        List.of(
            new ModelVersionId("iris", 1), new ModelVersionId("iris", 2),
            new ModelVersionId("iris", 10), new ModelVersionId("wide", 1)),
        versions.stream().map(RegisteredVersion::id).toList());
    assertEquals(List.of(2, 2, 2, 1), versions.stream().map(RegisteredVersion::replicas).toList());
    assertEquals(root.resolve("iris/10").toUri(), versions.get(2).artifact());
  }

  @Test
  void aMissingRootHoldsNoVersions() {
    assertTrue(new ModelFolderRegistry(root.resolve("absent"), 1, Map.of()).scan().isEmpty());
  }
}
